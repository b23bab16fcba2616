package io.b24bots.bot.administration;

import java.util.Map;

import io.b24bots.bot.Bot;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * "Refresh from Bitrix24" on the admin page: the portal's bot rows brought in line with what
 * {@code imbot.v2.Bot.list} reports, which lists this app's own bots only, the ones registered through
 * v1 too. {@code imbot.bot.list} is not asked: it lists every app's bots, and a v1 code is unique in the
 * whole portal, so a bot of another app with one of our codes must never be adopted as ours. Failures
 * follow the queue's policy: a portal that pages for ever ends the job (TOO_MANY_PAGES) and the rows
 * stay as they were.
 */
@ApplicationScoped
public class ReconcileBotsJob implements JobHandler {

    public static final String KIND = "reconcile-bots";

    private final Imbot imbot;
    private final BotRepository bots;

    ReconcileBotsJob(Imbot imbot, BotRepository bots) {
        this.imbot = imbot;
        this.bots = bots;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        String memberId = job.memberId();
        Map<String, Long> inPortal = imbot.of(BotApi.V2).list(memberId);
        for (Bot bot : bots.forPortal(memberId)) {
            Long id = inPortal.get(bot.code);
            if (id != null && (bot.status != BotStatus.REGISTERED || !id.equals(bot.botId))) {
                bots.registered(bot.id, id, bot.botObject);
            } else if (id == null && bot.status == BotStatus.REGISTERED) {
                bots.markDeleted(memberId, bot.botId);
            }
        }
    }
}
