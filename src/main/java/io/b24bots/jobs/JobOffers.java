package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs one transaction offers through {@link JobQueue#offerAll}, and what happens to them once
 * it ends. A job for a portal with nothing queued or running may be inserted already leased to this
 * replica's worker, in one of the slots this holds for it, and run here as soon as the transaction
 * commits: no claim walks the queue for it, no second row version is written to lease it, and no
 * other replica is woken for it. The rest wait in the queue for the worker of any replica, which
 * are told once the transaction commits.
 *
 * <p>Call {@link #committed()} after the commit, or {@link #abandoned()} when the transaction did
 * not commit; exactly one of them, once.
 */
public final class JobOffers {

    private final JobRunner runner;
    private final JobAnnouncements announcements;
    private final int slots;
    private final List<QueuedJob> leased = new ArrayList<>();
    private boolean queued;

    /** {@code runner} holds {@code slots} slots for this transaction; null (and 0) when none are held. */
    JobOffers(JobRunner runner, int slots, JobAnnouncements announcements) {
        this.runner = runner;
        this.slots = slots;
        this.announcements = announcements;
    }

    /** How many jobs may still be leased at insert: one per slot held. */
    int slotsLeft() {
        return slots - leased.size();
    }

    String worker() {
        return runner.workerId();
    }

    Duration lease() {
        return runner.lease();
    }

    /** A job inserted leased to this replica's worker, to run once the transaction commits. */
    void leased(long id, String kind, String memberId, String payload, String traceParent, Instant createdAt, long leasedAtNanos) {
        if (slotsLeft() <= 0) {
            throw new IllegalStateException("a job leased at insert without a slot held for it");
        }
        leased.add(runner.leasedAtInsert(id, kind, memberId, payload, traceParent, createdAt, leasedAtNanos));
    }

    /** Jobs were queued for the workers of every replica. */
    void queued() {
        queued = true;
    }

    /** The transaction committed: runs the jobs leased here, gives back the other slots, tells the workers of what was queued. */
    public void committed() {
        if (runner != null) {
            leased.forEach(runner::runLeased);
            runner.release(slots - leased.size());
        }
        if (queued) {
            announcements.committed();
        }
    }

    /** The transaction did not commit: its jobs do not exist, and every slot is given back. */
    public void abandoned() {
        leased.clear();
        if (runner != null) {
            runner.release(slots);
        }
    }
}
