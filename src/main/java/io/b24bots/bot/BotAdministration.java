package io.b24bots.bot;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.b24bots.jobs.Job;
import io.b24bots.jobs.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * What a portal administrator can ask for on the admin page. Each request is queued as a durable
 * job in the same transaction that marks the affected bots, so the page shows the work at once.
 */
@ApplicationScoped
public class BotAdministration {

    public static final String UNREGISTER_KIND = "unregister-bot";
    public static final String RECONCILE_KIND = "reconcile-bots";

    private final JobQueue jobs;
    private final BotRegistry registry;

    BotAdministration(JobQueue jobs, BotRegistry registry) {
        this.jobs = jobs;
        this.registry = registry;
    }

    /** Whether the portal has this bot row; actions name rows, and a row of another portal is refused. */
    @Transactional
    public boolean has(String memberId, long rowId) {
        return row(memberId, rowId).isPresent();
    }

    /** Registers one failed, pending or deleted bot again. */
    @Transactional
    public boolean retry(String memberId, long rowId) {
        Optional<Bot> bot = row(memberId, rowId);
        if (bot.isEmpty() || Bot.REGISTERED.equals(bot.get().status)) {
            return false;
        }
        bot.get().status = Bot.PENDING;
        bot.get().updatedAt = Instant.now();
        jobs.enqueue(RegistrationJob.KIND, memberId, bot.get().code, memberId + ":" + bot.get().code);
        return true;
    }

    /** Runs the registration of every declared bot again (v2 refreshes, v1 bots on record stay). */
    @Transactional
    public void reregisterAll(String memberId) {
        Bot.update("status = ?1, updatedAt = ?2 where memberId = ?3 and status <> ?4", Bot.PENDING, Instant.now(),
                memberId, Bot.REGISTERED);
        jobs.enqueue(RegistrationJob.KIND, memberId, null, memberId);
    }

    /** Removes one bot from the portal. */
    @Transactional
    public boolean unregister(String memberId, long rowId) {
        Optional<Bot> bot = row(memberId, rowId);
        if (bot.isEmpty() || bot.get().botId == null || Bot.DELETED.equals(bot.get().status)) {
            return false;
        }
        jobs.enqueue(UNREGISTER_KIND, memberId, bot.get().code, memberId + ":" + bot.get().code);
        return true;
    }

    /** Compares the stored bots with what the portal reports. */
    @Transactional
    public void reconcile(String memberId) {
        jobs.enqueue(RECONCILE_KIND, memberId, null, memberId);
    }

    /** Jobs of the portal that are waiting or running. */
    @Transactional
    public long workInProgress(String memberId) {
        return Job.count("memberId = ?1 and status in (?2, ?3)", memberId, Job.QUEUED, Job.RUNNING);
    }

    @Transactional
    public List<Bot> bots(String memberId) {
        return registry.forPortal(memberId);
    }

    private static Optional<Bot> row(String memberId, long rowId) {
        return Bot.find("id = ?1 and memberId = ?2", rowId, memberId).firstResultOptional();
    }
}
