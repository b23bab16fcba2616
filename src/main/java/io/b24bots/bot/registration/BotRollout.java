package io.b24bots.bot.registration;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.install.PortalUpdated;
import io.b24bots.jobs.JobQueue;
import io.b24bots.jobs.PortalWork;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Keeps every active portal in step with the declared bots. Each tick, one replica (a database
 * lock) looks for portals whose bots differ from the declaration and queues a
 * {@link ConvergeBotsJob} for as many as {@code b24.rollout.concurrency} allows in flight across
 * all replicas; the other job workers stay free for events and installs, and each portal's calls
 * go through its own rate limit. Progress lives in the bot rows (fingerprints), so a rollout
 * survives restarts and crashes, and once every portal is in step a tick makes no call at all (nor,
 * once the progress count has found them so, a search).
 * A portal whose run failed for good waits 15 minutes before it is tried again.
 */
@ApplicationScoped
public class BotRollout {

    private static final Logger LOG = Logger.getLogger(BotRollout.class);
    /** The kinds of job that work on a portal's bots: a portal with one under way is left to it. */
    private static final List<String> BOT_WORK = List.of(RegisterBotsJob.KIND, ConvergeBotsJob.KIND, ConvergeBotsJob.REQUESTED_KIND);
    /** A portal whose bot work failed for good is left alone this long before the rollout tries it again. */
    static final Duration FAILED_PAUSE = Duration.ofMinutes(15);

    private final BotRepository bots;
    private final Fingerprints fingerprints;
    private final JobQueue jobs;
    private final PortalWork work;
    private final BotsConfig config;
    private final MeterRegistry meters;
    private final EntityManager em;
    private final RegisterBotsJob registration;

    BotRollout(BotRepository bots, Fingerprints fingerprints, JobQueue jobs, PortalWork work, BotsConfig config,
            MeterRegistry meters, EntityManager em, RegisterBotsJob registration) {
        this.bots = bots;
        this.work = work;
        this.fingerprints = fingerprints;
        this.jobs = jobs;
        this.config = config;
        this.meters = meters;
        this.em = em;
        this.registration = registration;
    }

    /**
     * Records the declaration's fingerprint; a changed one starts a rollout (logged), found by the
     * next ticks. The last replica to start wins: replicas of an older declaration stop rolling out.
     */
    void started(@Observes StartupEvent event) {
        if (config.rollout().dryRun()) {
            // A dry run only looks: it does not make its declaration the one the others give way to.
            return;
        }
        // Off the start-up path: the replica's first transaction (about 0.2 s of first use) need not
        // delay readiness, and the rollout's first tick comes b24.rollout.tick later anyway.
        Thread.ofVirtual().name("bot-declaration").start(this::recordDeclaration);
    }

    private void recordDeclaration() {
        try {
            boolean changed = QuarkusTransaction.requiringNew().call(fingerprints::recordAsCurrent);
            if (changed) {
                LOG.infof("The bot declaration changed (%d bots); every active portal is brought in step%s",
                        fingerprints.bots().size(), config.rollout().dryRun() ? " (dry run: changes are only logged)" : "");
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not record the bot declaration's fingerprint: %s", e.getClass().getSimpleName());
        }
    }

    @Scheduled(every = "${b24.rollout.tick:10s}", delayed = "${b24.rollout.tick:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.rollout().enabled()) {
            return;
        }
        try {
            if (config.rollout().dryRun()) {
                dryRun();
            } else if (fingerprints.isCurrent() && !inStepByTheLatestCount()) {
                // Otherwise a newer declaration started elsewhere (a rolling deployment): it rolls out, not this one.
                queueNext();
            }
        } catch (RuntimeException e) {
            LOG.debugf("Rollout tick skipped: %s", e.getClass().getSimpleName());
        }
    }

    /**
     * Whether the latest count of the progress, taken after the declaration last changed and at most
     * {@code b24.rollout.progress-age} ago, found every active portal in step. The search for portals
     * out of step probes each active portal (about 0.65 s with 100,000 of them, on every tick), while
     * the count reads the bot rows once per progress-age: with every portal in step, one that falls out
     * of step (an operator's change, a bot deleted in the portal) waits for the next count, at most that long.
     */
    boolean inStepByTheLatestCount() {
        Duration age = config.rollout().progressAge();
        // No background count (progress-age 0): nothing to trust, the tick searches.
        return !age.isZero() && inStepBy(fingerprints.countedProgress(), fingerprints.recorded(), age, Instant.now());
    }

    static boolean inStepBy(Optional<Fingerprints.CountedProgress> counted, Optional<Fingerprints.Recorded> declaration,
            Duration age, Instant now) {
        return counted.isPresent() && declaration.isPresent() && counted.get().inStep() == counted.get().active()
                && counted.get().at().isAfter(declaration.get().changedAt())
                && counted.get().at().isAfter(now.minus(age));
    }

    /** Queues the next portals; returns how many (none while an operator has paused the rollout). */
    public int queueNext() {
        if (fingerprints.rolloutPause().isPresent()) {
            // Paused from the console: portals already queued finish, no more are queued.
            return 0;
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Object locked = em.createNativeQuery("select pg_try_advisory_xact_lock(hashtext('b24-bot-rollout'))").getSingleResult();
            if (!Boolean.TRUE.equals(locked)) {
                return 0;
            }
            // One slot per portal being brought in step, across all replicas.
            int free = config.rollout().concurrency() - (int) work.portalsRunningOrDue(ConvergeBotsJob.KIND);
            List<String> portals = outOfStep(free);
            for (String memberId : portals) {
                jobs.enqueue(ConvergeBotsJob.KIND, memberId, null, memberId);
            }
            if (!portals.isEmpty()) {
                meters.counter("b24.bot.rollout.portals").increment(portals.size());
                LOG.infof("Bot rollout: bringing %d more portal(s) in step", portals.size());
            }
            return portals.size();
        });
    }

    /** How far the rollout has got: active portals in step with the declaration, of all active ones. */
    public record Progress(long inStep, long active, Instant countedAt) {

        public long outOfStep() {
            return active - inStep;
        }
    }

    /**
     * The rollout's progress as one replica last counted it (at most {@code b24.rollout.progress-age}
     * ago while the service runs): counting reads every bot row, too slow for a page with 100,000 portals.
     * Counted here and now only when no count is that fresh.
     */
    public Progress progress() {
        Optional<Fingerprints.CountedProgress> counted = fingerprints.countedProgress();
        if (counted.isPresent() && counted.get().at().isAfter(Instant.now().minus(config.rollout().progressAge()))) {
            return new Progress(counted.get().inStep(), counted.get().active(), counted.get().at());
        }
        return countProgress();
    }

    /** Every few seconds, one replica counts the progress again once the last count is older than its age. */
    @Scheduled(every = "5s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshProgress() {
        try {
            Optional<Fingerprints.CountedProgress> counted = fingerprints.countedProgress();
            Duration age = config.rollout().progressAge();
            if (!age.isZero() && (counted.isEmpty()
                    || counted.get().at().isBefore(Instant.now().minus(age).plus(Duration.ofSeconds(5))))) {
                countProgress();
            }
        } catch (RuntimeException e) {
            LOG.debugf("Rollout progress not counted: %s", e.getClass().getSimpleName());
        }
    }

    private Progress countProgress() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object locked = em.createNativeQuery("select pg_try_advisory_xact_lock(hashtext('b24-rollout-progress'))").getSingleResult();
            long[] counts = bots.portalsInStep(fingerprints.bots());
            // A replica of an older declaration (a rolling deployment) counts by its own bots: shown, or
            // trusted by the ticks, its count would say in step what the newer declaration has yet to change.
            if (Boolean.TRUE.equals(locked) && fingerprints.isCurrent()) {
                fingerprints.recordProgress(counts[0], counts[1]);
            }
            return new Progress(counts[0], counts[1], Instant.now());
        });
    }

    private volatile boolean dryRunDone;

    /** Portals out of step with no bot work under way, nor failed in the last {@link #FAILED_PAUSE}. */
    private List<String> outOfStep(int max) {
        if (max <= 0) {
            return List.of();
        }
        Set<String> busy = work.busyWith(BOT_WORK, FAILED_PAUSE);
        return bots.portalsOutOfStep(fingerprints.bots(), busy, max);
    }

    /** Once per start: what a rollout would change, per portal, without a call or a change. */
    private void dryRun() {
        if (dryRunDone) {
            return;
        }
        dryRunDone = true;
        List<String> portals = QuarkusTransaction.requiringNew().call(() -> outOfStep(10_000));
        LOG.infof("Dry run: %d portal(s) are not in step with the bot declaration", portals.size());
        for (String memberId : portals) {
            registration.dryRun(memberId);
        }
    }

    /** {@code ONAPPUPDATE}: the portal runs a new version of the app, so its bots are brought in step at once. */
    void updated(@Observes PortalUpdated event) {
        if (!config.rollout().dryRun()) {
            QuarkusTransaction.requiringNew().run(() -> jobs.enqueue(ConvergeBotsJob.REQUESTED_KIND, event.memberId(), null,
                    event.memberId()));
        }
    }
}
