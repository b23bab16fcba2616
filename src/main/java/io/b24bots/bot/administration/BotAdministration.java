package io.b24bots.bot.administration;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.registration.ConvergeBotsJob;
import io.b24bots.bot.registration.RegisterBotsJob;
import io.b24bots.jobs.FailedJob;
import io.b24bots.jobs.JobQueue;
import io.b24bots.jobs.PortalWork;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * What a portal administrator can ask for on the admin page. Each request is queued as a durable
 * job in the same transaction that marks the affected bots, so the page shows the work at once.
 */
@ApplicationScoped
public class BotAdministration {

    private final JobQueue jobs;
    private final PortalWork work;
    private final BotRepository registry;

    BotAdministration(JobQueue jobs, PortalWork work, BotRepository registry) {
        this.jobs = jobs;
        this.work = work;
        this.registry = registry;
    }

    /** Whether the portal has this bot row; actions name rows, and a row of another portal is refused. */
    @Transactional
    public boolean has(String memberId, long rowId) {
        return row(memberId, rowId).isPresent();
    }

    /** Registers one failed, pending or deleted bot again; a bot an administrator turned off is turned on. */
    @Transactional
    public boolean retry(String memberId, long rowId) {
        Optional<Bot> bot = row(memberId, rowId);
        if (bot.isEmpty() || bot.get().status == BotStatus.REGISTERED) {
            return false;
        }
        bot.get().turnedOffAt = null;
        bot.get().turnedOffBy = null;
        bot.get().status = BotStatus.PENDING;
        bot.get().updatedAt = Instant.now();
        jobs.enqueue(RegisterBotsJob.KIND, memberId, bot.get().code, memberId + ":" + bot.get().code);
        return true;
    }

    /**
     * Brings the portal's bots in step with the declaration again: registers the missing ones (not those
     * an administrator turned off), updates what changed, unregisters what is no longer declared.
     */
    @Transactional
    public void reregisterAll(String memberId) {
        registry.markUnregisteredPending(memberId);
        registry.forgetApplied(memberId);
        // Not a rollout slot: a portal asking again and again must not hold up the rollout to the others.
        jobs.enqueue(ConvergeBotsJob.REQUESTED_KIND, memberId, null, memberId);
    }

    /**
     * Turns one bot off in the portal: it is unregistered, and stays so through rollouts, app updates and
     * "Re-register all bots" until an administrator turns it on ({@link #retry}).
     */
    @Transactional
    public boolean turnOff(String memberId, long rowId, long userId) {
        Optional<Bot> bot = row(memberId, rowId);
        if (bot.isEmpty() || bot.get().botId == null || bot.get().status == BotStatus.DELETED) {
            return false;
        }
        bot.get().turnedOffAt = Instant.now();
        bot.get().turnedOffBy = userId;
        bot.get().updatedAt = Instant.now();
        jobs.enqueue(UnregisterBotJob.KIND, memberId, bot.get().code, memberId + ":" + bot.get().code);
        return true;
    }

    /** Compares the stored bots with what the portal reports. */
    @Transactional
    public void reconcile(String memberId) {
        jobs.enqueue(ReconcileBotsJob.KIND, memberId, null, memberId);
    }

    /** Jobs of the portal that are waiting or running. */
    @Transactional
    public long workInProgress(String memberId) {
        return work.unfinished(memberId);
    }

    /** The portal's background work that failed for good, newest first. */
    public List<FailedJob> recentFailures(String memberId, int max) {
        return work.recentFailures(memberId, max);
    }

    private Optional<Bot> row(String memberId, long rowId) {
        return registry.row(memberId, rowId);
    }
}
