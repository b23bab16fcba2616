package io.b24bots.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.b24bots.support.SqlValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Portals an operator paused (table {@code portal_pause}): the claim leaves their jobs waiting, so
 * nothing is sent to the portal, while its events are still accepted and stored. Resuming wakes them.
 */
@ApplicationScoped
public class PortalPauses {

    /** Who paused a portal, and when. */
    public record Pause(Instant since, String by) {
    }

    private final EntityManager em;
    private final JobQueue queue;

    PortalPauses(EntityManager em, JobQueue queue) {
        this.em = em;
        this.queue = queue;
    }

    /** Pauses the portal; false when it was paused already (the first pause is kept). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean pause(String memberId, String by) {
        return em.createNativeQuery("""
                insert into portal_pause (member_id, paused_at, paused_by) values (:member, now(), :by)
                on conflict (member_id) do nothing""")
                .setParameter("member", memberId)
                .setParameter("by", by)
                .executeUpdate() > 0;
    }

    /** Resumes the portal; its waiting jobs are announced to every replica once the transaction commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean resume(String memberId) {
        boolean resumed = em.createNativeQuery("delete from portal_pause where member_id = :member")
                .setParameter("member", memberId)
                .executeUpdate() > 0;
        if (resumed) {
            queue.announceOnce();
        }
        return resumed;
    }

    @Transactional
    public Optional<Pause> of(String memberId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select paused_at, paused_by from portal_pause where member_id = :member")
                .setParameter("member", memberId)
                .getResultList();
        return rows.stream().findFirst().map(row -> new Pause(SqlValues.instant(row[0]), (String) row[1]));
    }

    @Transactional
    public long count() {
        return ((Number) em.createNativeQuery("select count(*) from portal_pause").getSingleResult()).longValue();
    }
}
