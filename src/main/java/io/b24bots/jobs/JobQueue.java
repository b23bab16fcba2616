package io.b24bots.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

/** Puts work on the durable queue inside the caller's transaction, so work and data commit together. */
@ApplicationScoped
public class JobQueue {

    /** What {@link #offer} did. */
    public enum Enqueued {
        /** A new job was queued. */
        QUEUED,
        /** A job of the same kind and dedup key was already waiting; nothing was added. */
        DUPLICATE,
        /** The portal already has {@code b24.jobs.max-queued-per-portal} jobs queued or running; nothing was added. */
        PORTAL_FULL
    }

    /*
     * One statement, one round trip: "room" counts the portal's queued and running jobs, but never
     * more than the cap (both through V4's partial indexes), and the insert happens only if there is
     * room. Concurrent offers may each see the last free place, so the cap can be passed by the
     * number of offers racing for it; it bounds a flood, not an exact count.
     */
    private static final String INSERT = """
            with room as (
                select %s as ok
            ), added as (
                insert into job (kind, member_id, payload, dedup_key, status, attempts, run_at, created_at, updated_at)
                select cast(:kind as varchar), cast(:memberId as varchar), cast(:payload as text), cast(:dedupKey as varchar),
                       'queued', 0, now(), now(), now()
                from room where room.ok
                on conflict (kind, dedup_key) where status = 'queued' and dedup_key is not null do nothing
                returning 1
            )
            select (select ok from room), (select count(*) from added)
            """;
    private static final String CAPPED = INSERT.formatted("""
            (select count(*) from (select 1 from job where member_id = :memberId and status = 'queued'
                                   union all
                                   select 1 from job where member_id = :memberId and status = 'running'
                                   limit :cap) active) < :cap""");
    private static final String UNCAPPED = INSERT.formatted("true");

    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final JobSignal signal;
    private final JobsConfig config;

    JobQueue(EntityManager em, TransactionSynchronizationRegistry transactions, JobSignal signal, JobsConfig config) {
        this.em = em;
        this.transactions = transactions;
        this.signal = signal;
        this.config = config;
    }

    /**
     * Queues a job unless one of the same kind and {@code dedupKey} is already waiting. Not capped:
     * work the application itself needs (registrations, bindings) must not be refused.
     *
     * @return true when a new job was queued
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean enqueue(String kind, String memberId, String payload, String dedupKey) {
        return insert(false, kind, memberId, payload, dedupKey) == Enqueued.QUEUED;
    }

    /**
     * Queues a job like {@link #enqueue}, but refuses it ({@link Enqueued#PORTAL_FULL}) when the
     * portal already has {@code b24.jobs.max-queued-per-portal} jobs queued or running. For work a
     * portal's users or Bitrix24 can cause in any amount (incoming events).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Enqueued offer(String kind, String memberId, String payload, String dedupKey) {
        return insert(true, kind, memberId, payload, dedupKey);
    }

    private Enqueued insert(boolean capped, String kind, String memberId, String payload, String dedupKey) {
        jakarta.persistence.Query query = em.createNativeQuery(capped ? CAPPED : UNCAPPED)
                .setParameter("kind", kind)
                .setParameter("memberId", memberId)
                .setParameter("payload", payload)
                .setParameter("dedupKey", dedupKey);
        if (capped) {
            query.setParameter("cap", config.maxQueuedPerPortal());
        }
        Object[] row = (Object[]) query.getSingleResult();
        if (((Number) row[1]).longValue() > 0) {
            wakeAfterCommit();
            // Delivered to every replica's listener when this transaction commits, not before.
            em.createNativeQuery("select pg_notify('" + JobNotifications.CHANNEL + "', '')").getSingleResult();
            return Enqueued.QUEUED;
        }
        return Boolean.TRUE.equals(row[0]) ? Enqueued.DUPLICATE : Enqueued.PORTAL_FULL;
    }

    /** Job rows are invisible to the worker until the transaction commits; wake it only then. */
    private void wakeAfterCommit() {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    signal.wake();
                }
            }
        });
    }

    /** Drops every job of a portal that is not running; used when a portal's data is purged. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int deleteWaiting(String memberId) {
        return em.createNativeQuery("delete from job where member_id = :member and status <> :running")
                .setParameter("member", memberId)
                .setParameter("running", JobStatus.RUNNING.dbValue())
                .executeUpdate();
    }

    /** Jobs of the portal that are queued or running: work an admin page shows as in progress. */
    @Transactional
    public long unfinished(String memberId) {
        return ((Number) em.createNativeQuery("select count(*) from job where member_id = :member and status in (:queued, :running)")
                .setParameter("member", memberId)
                .setParameter("queued", JobStatus.QUEUED.dbValue())
                .setParameter("running", JobStatus.RUNNING.dbValue())
                .getSingleResult()).longValue();
    }
}
