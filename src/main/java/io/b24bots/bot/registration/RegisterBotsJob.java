package io.b24bots.bot.registration;

import java.time.Duration;
import java.util.Optional;

import io.b24bots.bitrix.BitrixErrorCodes;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.imbot.ImbotApi;
import io.b24bots.bot.imbot.RegisteredBot;
import io.b24bots.jobs.Backoff;
import io.b24bots.jobs.JobFailure;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Registers every declared bot in one portal, once per install. Never creates a second bot for a
 * code: v2 registration is idempotent per code, and a v1 bot that is recorded is not registered
 * again (after an unanswered v1 call the portal's bot list is asked first). Transient failures
 * retry the job with back-off; permanent ones are recorded on the bot with the Bitrix24 code.
 */
@ApplicationScoped
public class RegisterBotsJob implements JobHandler {

    public static final String KIND = "register-bots";

    private static final Logger LOG = Logger.getLogger(RegisterBotsJob.class);

    private final BotCatalog catalog;
    private final BotRepository registry;
    private final Imbot imbot;
    private final PortalStore portals;
    private final BotsConfig config;
    private final MeterRegistry meters;

    RegisterBotsJob(BotCatalog catalog, BotRepository registry, Imbot imbot, PortalStore portals, BotsConfig config,
            MeterRegistry meters) {
        this.catalog = catalog;
        this.registry = registry;
        this.imbot = imbot;
        this.portals = portals;
        this.config = config;
        this.meters = meters;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        Optional<Portal> portal = portals.find(job.memberId());
        if (portal.isEmpty() || portal.get().status != PortalStatus.ACTIVE) {
            LOG.infof("Skipped bot registration for portal %s: not active", job.memberId());
            return;
        }
        boolean lastAttempt = job.attempt() >= config.registration().maxAttempts();
        boolean retry = false;
        java.util.Set<String> only = codes(job.payload());
        for (BotDefinition definition : catalog.all()) {
            if (only != null && !only.contains(definition.code())) {
                continue;
            }
            Optional<Bot> found = registry.rowFor(job.memberId(), definition);
            if (found.isEmpty()) {
                LOG.infof("Stopped registering bots in portal %s: it is no longer active", job.memberId());
                return;
            }
            Bot row = found.get();
            if (alreadyDone(row, definition, job)) {
                continue;
            }
            try {
                // imbot.register is not idempotent: a worker that lost its lease leaves it to the new owner.
                job.confirmLease();
                register(job.memberId(), definition, row);
            } catch (PortalUnavailableException e) {
                registry.attemptFailed(row.id, e.jobFailureCode(), e.getMessage(), false);
                LOG.infof("Stopped registering bots in portal %s: %s", job.memberId(), e.getMessage());
                return;
            } catch (BitrixException | OAuthUnavailableException e) {
                JobFailure failure = (JobFailure) e;
                String text = e instanceof BitrixException b ? b.description() : "The Bitrix24 OAuth server could not be reached";
                boolean finalFailure = failure.jobFailureKind() != JobFailure.Kind.TRANSIENT || lastAttempt;
                registry.attemptFailed(row.id, failure.jobFailureCode(), text, finalFailure);
                count(definition, finalFailure ? "failed" : "retry", failure.jobFailureCode());
                LOG.infof("Registering bot %s in portal %s failed: %s (%s)", definition.code(), job.memberId(),
                        failure.jobFailureCode(), finalFailure ? "final" : "will retry");
                retry |= !finalFailure;
            }
        }
        if (retry) {
            throw new RetryJobLater(backoff(job.attempt()), "some bots failed transiently");
        }
    }

    /** The codes a job is limited to (an admin's retry of one bot); null for every declared bot. */
    static java.util.Set<String> codes(String payload) {
        if (payload == null || payload.isBlank()) {
            return null;
        }
        return java.util.Set.of(payload.split(","));
    }

    /** A v1 bot on record is never registered again; a v2 bot registered by an earlier run of this job is skipped. */
    private static boolean alreadyDone(Bot row, BotDefinition definition, QueuedJob job) {
        if (row.status != BotStatus.REGISTERED || row.botId == null) {
            return false;
        }
        return definition.api() == BotApi.V1 || row.updatedAt != null && row.updatedAt.isAfter(job.createdAt());
    }

    private void register(String memberId, BotDefinition definition, Bot row) {
        ImbotApi api = imbot.of(definition.api());
        if (definition.api() == BotApi.V1 && BitrixException.TIMEOUT.equals(row.lastErrorCode)) {
            // The unanswered call may have created the bot; imbot.register must not make a second one.
            Long existing = api.list(memberId).get(definition.code());
            if (existing != null) {
                registry.registered(row.id, existing, null);
                return;
            }
        }
        RegisteredBot registered = api.register(memberId, definition);
        registry.registered(row.id, registered.botId(), registered.botObject());
        count(definition, "registered", "none");
        LOG.infof("Bot %s registered in portal %s as %d", definition.code(), memberId, registered.botId());
    }

    private void count(BotDefinition definition, String outcome, String error) {
        meters.counter("b24.bot.registrations", "api", definition.api().value(), "outcome", outcome, "error", BitrixErrorCodes.tag(error)).increment();
    }

    private Duration backoff(int attempt) {
        return Backoff.delay(attempt, config.registration().backoff(), config.registration().maxBackoff());
    }
}
