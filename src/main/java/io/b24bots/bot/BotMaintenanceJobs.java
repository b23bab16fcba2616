package io.b24bots.bot;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.PortalUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The admin page's unregister and reconcile actions, run from the job queue. */
@Singleton
public class BotMaintenanceJobs {

    private static final Logger LOG = Logger.getLogger(BotMaintenanceJobs.class);
    private static final java.util.Set<String> GONE = java.util.Set.of("BOT_NOT_FOUND", "BOT_ID_ERROR");

    private final BitrixClient bitrix;
    private final BotRegistry registry;

    BotMaintenanceJobs(BitrixClient bitrix, BotRegistry registry) {
        this.bitrix = bitrix;
        this.registry = registry;
    }

    /** imbot.v2.Bot.unregister or imbot.unregister for one bot, then the row is marked deleted. */
    @ApplicationScoped
    static class Unregister implements JobHandler {
        private final BotMaintenanceJobs jobs;

        Unregister(BotMaintenanceJobs jobs) {
            this.jobs = jobs;
        }

        @Override
        public String kind() {
            return BotAdministration.UNREGISTER_KIND;
        }

        @Override
        public void run(QueuedJob job) {
            jobs.unregister(job.memberId(), job.payload());
        }
    }

    /** Bot rows brought in line with imbot.v2.Bot.list and imbot.bot.list. */
    @ApplicationScoped
    static class Reconcile implements JobHandler {
        private final BotMaintenanceJobs jobs;

        Reconcile(BotMaintenanceJobs jobs) {
            this.jobs = jobs;
        }

        @Override
        public String kind() {
            return BotAdministration.RECONCILE_KIND;
        }

        @Override
        public void run(QueuedJob job) {
            jobs.reconcile(job.memberId());
        }
    }

    void unregister(String memberId, String code) {
        Bot bot = registry.forPortal(memberId).stream().filter(b -> b.code.equals(code)).findFirst().orElse(null);
        if (bot == null || bot.botId == null || Bot.DELETED.equals(bot.status)) {
            return;
        }
        try {
            if (BotApi.V2.value().equals(bot.api)) {
                bitrix.call(memberId, "imbot.v2.Bot.unregister", Map.of("botId", bot.botId));
            } else {
                bitrix.call(memberId, "imbot.unregister", Map.of("BOT_ID", bot.botId));
            }
        } catch (BitrixException e) {
            if (!GONE.contains(e.code())) {
                if (e.isTransient()) {
                    throw new RetryJobLater(Duration.ofSeconds(10), e.code());
                }
                registry.attemptFailed(bot.id, e.code(), e.description(), false);
                return;
            }
        } catch (PortalUnavailableException e) {
            return;
        }
        registry.markDeleted(memberId, bot.botId);
        LOG.infof("Bot %s unregistered from portal %s by an administrator", code, memberId);
    }

    void reconcile(String memberId) {
        Map<String, Long> inPortal = new HashMap<>();
        try {
            int offset = 0;
            while (true) {
                JsonNode page = bitrix.call(memberId, "imbot.v2.Bot.list", Map.of("limit", 50, "offset", offset)).result();
                for (JsonNode bot : page.path("bots")) {
                    inPortal.put(bot.path("code").asText(), bot.path("id").asLong());
                }
                if (!page.path("hasNextPage").asBoolean(false) || page.path("bots").isEmpty()) {
                    break;
                }
                offset += page.path("bots").size();
            }
            // imbot.bot.list lists every bot of the portal, other apps' too: only our codes count.
            for (JsonNode bot : bitrix.call(memberId, "imbot.bot.list", Map.of()).result()) {
                inPortal.putIfAbsent(bot.path("CODE").asText(), bot.path("ID").asLong());
            }
        } catch (BitrixException e) {
            if (e.isTransient()) {
                throw new RetryJobLater(Duration.ofSeconds(10), e.code());
            }
            LOG.infof("Reconciling bots of portal %s failed: %s", memberId, e.code());
            return;
        } catch (PortalUnavailableException e) {
            return;
        }
        for (Bot bot : registry.forPortal(memberId)) {
            Long id = inPortal.get(bot.code);
            if (id != null && (!Bot.REGISTERED.equals(bot.status) || !id.equals(bot.botId))) {
                registry.registered(bot.id, id, bot.botObject);
            } else if (id == null && Bot.REGISTERED.equals(bot.status)) {
                registry.markDeleted(memberId, bot.botId);
            }
        }
    }
}
