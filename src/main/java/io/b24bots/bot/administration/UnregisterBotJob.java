package io.b24bots.bot.administration;

import java.util.Optional;

import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Removes one bot from its portal ({@code imbot.v2.Bot.unregister} / {@code imbot.unregister}) when
 * an administrator asks for it on the admin page, then marks the row deleted. Failures follow the
 * queue's policy; a permanent refusal is also kept on the bot row for the page to show.
 */
@ApplicationScoped
public class UnregisterBotJob implements JobHandler {

    public static final String KIND = "unregister-bot";

    private static final Logger LOG = Logger.getLogger(UnregisterBotJob.class);

    private final Imbot imbot;
    private final BotRepository bots;

    UnregisterBotJob(Imbot imbot, BotRepository bots) {
        this.imbot = imbot;
        this.bots = bots;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The payload is the bot's code. */
    @Override
    public void run(QueuedJob job) {
        Optional<Bot> bot = bots.byCode(job.memberId(), job.payload());
        if (bot.isEmpty() || bot.get().botId == null || bot.get().status == BotStatus.DELETED) {
            return;
        }
        job.confirmLease();
        try {
            imbot.of(bot.get().api).unregister(job.memberId(), bot.get().botId);
        } catch (BitrixException e) {
            if (!e.isTransient()) {
                bots.attemptFailed(bot.get().id, e.code(), e.description(), false);
            }
            throw e;
        }
        bots.markDeleted(job.memberId(), bot.get().botId);
        LOG.infof("Bot %s unregistered from portal %s by an administrator", job.payload(), job.memberId());
    }
}
