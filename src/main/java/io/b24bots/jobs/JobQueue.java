package io.b24bots.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** Puts work on the durable queue inside the caller's transaction, so work and data commit together. */
@ApplicationScoped
public class JobQueue {

    private final EntityManager em;

    JobQueue(EntityManager em) {
        this.em = em;
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
        return inserted > 0;
    }

    /** Drops every job of a portal that is not running; used when a portal's data is purged. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int deleteWaiting(String memberId) {
        return (int) Job.delete("memberId = ?1 and status <> ?2", memberId, Job.RUNNING);
    }
}
