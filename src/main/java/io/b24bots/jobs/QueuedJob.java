package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A leased job as its handler sees it; {@code attempt} counts from 1 and, with the worker's name,
 * identifies this lease (every claim increments it), so a stale run can never act for a newer one.
 */
public final class QueuedJob {

    private final long id;
    private final String kind;
    private final String memberId;
    private final String payload;
    private final String traceParent;
    private final int attempt;
    private final Instant createdAt;
    private final JobStore store;
    private final String worker;
    private final Duration lease;
    private volatile boolean leaseLost;
    /** False for a kind whose finished jobs are deleted rather than kept ({@link JobHandler#keepsFinishedJobs()}). */
    private volatile boolean keptWhenDone = true;
    /** System.nanoTime() until which the lease is surely held: {@code lease} after the last leasing statement was sent. */
    private volatile long heldUntilNanos;

    QueuedJob(long id, String kind, String memberId, String payload, String traceParent, int attempt, Instant createdAt, JobStore store,
            String worker, Duration lease, long leasedAtNanos) {
        this.heldUntilNanos = leasedAtNanos + lease.toNanos();
        this.id = id;
        this.kind = kind;
        this.memberId = memberId;
        this.payload = payload;
        this.traceParent = traceParent;
        this.attempt = attempt;
        this.createdAt = createdAt;
        this.store = store;
        this.worker = worker;
        this.lease = lease;
    }

    public long id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String memberId() {
        return memberId;
    }

    public String payload() {
        return payload;
    }

    /** The W3C traceparent of the span that queued the job; null when nothing was traced. */
    public String traceParent() {
        return traceParent;
    }

    public int attempt() {
        return attempt;
    }

    void deleteWhenDone() {
        keptWhenDone = false;
    }

    boolean keptWhenDone() {
        return keptWhenDone;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /**
     * Call right before an effect that must not happen twice (a message sent, a bot registered):
     * renews the lease in the database, in a transaction of its own, and returns only if the job is
     * still this worker's, which it then stays for at least {@code b24.jobs.lease} from now, so
     * perform the effect promptly. Otherwise throws {@link LeaseLostException}: let it propagate,
     * without the effect. A database error propagates as itself (the job is retried).
     */
    public void confirmLease() {
        if (leaseLost) {
            throw new LeaseLostException(id);
        }
        long sent = System.nanoTime();
        if (!store.renew(id, worker, attempt, lease)) {
            leaseLost = true;
            throw new LeaseLostException(id);
        }
        renewed(sent);
    }

    /**
     * Whether this process knows, without asking, that it holds the job for at least half a lease
     * more: the lease was counted from when the last leasing statement was sent, on this process's
     * clock, and no other worker takes a job before its lease ran out.
     */
    private boolean heldForHalfALease() {
        return heldUntilNanos - System.nanoTime() > lease.toNanos() / 2;
    }

    /** The lease was extended by a statement sent at {@code sentNanos}. */
    void renewed(long sentNanos) {
        heldUntilNanos = sentNanos + lease.toNanos();
    }

    /**
     * {@link #confirmLease()} for several jobs of this worker, before one effect that acts for all
     * of them (messages sent together); the jobs among them that are no longer this worker's. Jobs
     * all held for half a lease more need no statement (the message path's common case); otherwise
     * one renews them all.
     */
    public static List<QueuedJob> confirmLeases(List<QueuedJob> jobs) {
        List<QueuedJob> held = jobs.stream().filter(job -> !job.leaseLost).toList();
        if (held.isEmpty()) {
            return jobs;
        }
        if (held.size() == jobs.size() && held.stream().allMatch(QueuedJob::heldForHalfALease)) {
            return List.of();
        }
        QueuedJob first = held.getFirst();
        long sent = System.nanoTime();
        Set<Long> confirmed = first.store.renewAll(first.worker, held, first.lease);
        held.stream().filter(job -> confirmed.contains(job.id)).forEach(job -> job.renewed(sent));
        List<QueuedJob> lost = new ArrayList<>();
        for (QueuedJob job : jobs) {
            if (!confirmed.contains(job.id)) {
                job.leaseLost = true;
                lost.add(job);
            }
        }
        return lost;
    }

    /** Whether this worker already knows the job was taken from it. */
    boolean leaseLost() {
        return leaseLost;
    }

    void markLeaseLost() {
        leaseLost = true;
    }

    String worker() {
        return worker;
    }

    @Override
    public String toString() {
        return "job " + id + " (" + kind + ", portal " + memberId + ", attempt " + attempt + ")";
    }
}
