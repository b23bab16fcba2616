package io.b24bots.bot.administration;

import java.util.HashMap;
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
 * {@code imbot.v2.Bot.list} and {@code imbot.bot.list} report. Failures follow the queue's policy:
 * a portal that pages for ever ends the job (TOO_MANY_PAGES) and the rows stay as they were.
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
        Map<String, Long> inPortal = new HashMap<>(imbot.of(BotApi.V2).list(memberId));
        // imbot.bot.list lists every bot of the portal, other apps' too: only our codes are looked up.
        imbot.of(BotApi.V1).list(memberId).forEach(inPortal::putIfAbsent);
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
