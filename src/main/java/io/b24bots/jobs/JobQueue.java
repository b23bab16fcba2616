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

    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final JobSignal signal;

    JobQueue(EntityManager em, TransactionSynchronizationRegistry transactions, JobSignal signal) {
        this.em = em;
        this.transactions = transactions;
        this.signal = signal;
    }

    /**
     * Queues a job unless one of the same kind and {@code dedupKey} is already waiting.
     *
     * @return true when a new job was queued
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean enqueue(String kind, String memberId, String payload, String dedupKey) {
        int inserted = em.createNativeQuery("""
                insert into job (kind, member_id, payload, dedup_key, status, attempts, run_at, created_at, updated_at)
                values (:kind, :memberId, :payload, :dedupKey, 'queued', 0, now(), now(), now())
                on conflict (kind, dedup_key) where status = 'queued' and dedup_key is not null do nothing
                """)
                .setParameter("kind", kind)
                .setParameter("memberId", memberId)
                .setParameter("payload", payload)
                .setParameter("dedupKey", dedupKey)
                .executeUpdate();
        if (inserted > 0) {
            wakeAfterCommit();
            // Delivered to every replica's listener when this transaction commits, not before.
            em.createNativeQuery("select pg_notify('" + JobNotifications.CHANNEL + "', '')").getSingleResult();
        }
        return inserted > 0;
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
        return (int) Job.delete("memberId = ?1 and status <> ?2", memberId, Job.RUNNING);
    }
}
