package io.b24bots.bot;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.config.B24Config;
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
    private final int maxPages;

    BotMaintenanceJobs(BitrixClient bitrix, BotRegistry registry, B24Config config) {
        this.bitrix = bitrix;
        this.registry = registry;
        this.maxPages = config.rest().maxPages();
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
            jobs.unregister(job, job.payload());
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

    /**
     * Every page of imbot.v2.Bot.list, at most {@code b24.rest.max-pages} of them: a portal that says
     * {@code hasNextPage} for ever, or sends a page with nothing new, ends the read with TOO_MANY_PAGES.
     */
    private void readV2Bots(String memberId, Map<String, Long> inPortal) {
        String method = "imbot.v2.Bot.list";
        int offset = 0;
        for (int pages = 1; ; pages++) {
            JsonNode page = bitrix.call(memberId, method, Map.of("limit", 50, "offset", offset)).requireObject(method);
            JsonNode bots = BitrixResponse.optionalArray(page, "bots", method);
            int before = inPortal.size();
            for (JsonNode bot : bots) {
                if (!bot.isObject() || !bot.path("code").isTextual()) {
                    throw BitrixException.malformed(method, "a bot without a code");
                }
                inPortal.put(bot.path("code").asText(), BitrixResponse.requireLong(bot, "id", method));
            }
            if (!BitrixResponse.optionalBoolean(page, "hasNextPage", false, method) || bots.isEmpty()) {
                return;
            }
            if (inPortal.size() == before) {
                throw new BitrixException(BitrixException.TOO_MANY_PAGES,
                        method + " repeated a page it had already sent (offset " + offset + ")", 0, false, null);
            }
            if (pages >= maxPages) {
                throw new BitrixException(BitrixException.TOO_MANY_PAGES,
                        method + " still had more after " + pages + " pages (b24.rest.max-pages)", 0, false, null);
            }
            offset += bots.size();
        }
    }

    void unregister(QueuedJob job, String code) {
        String memberId = job.memberId();
        Bot bot = registry.forPortal(memberId).stream().filter(b -> b.code.equals(code)).findFirst().orElse(null);
        if (bot == null || bot.botId == null || Bot.DELETED.equals(bot.status)) {
            return;
        }
        try {
            job.confirmLease();
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
            readV2Bots(memberId, inPortal);
            // imbot.bot.list lists every bot of the portal, other apps' too: only our codes count.
            for (JsonNode bot : BotRegistrar.v1Bots(bitrix.call(memberId, "imbot.bot.list", Map.of()))) {
                inPortal.putIfAbsent(bot.path("CODE").asText(), BitrixResponse.requireLong(bot, "ID", "imbot.bot.list"));
            }
        } catch (BitrixException e) {
            if (e.isTransient()) {
                throw new RetryJobLater(Duration.ofSeconds(10), e.code());
            }
            // Permanent: the job ends here instead of retrying; the rows stay as they were.
            LOG.warnf("Reconciling bots of portal %s failed for good: %s", memberId, e.getMessage());
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
