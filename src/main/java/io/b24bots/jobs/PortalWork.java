package io.b24bots.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.b24bots.support.SqlValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * What the queue holds for portals, as the features ask about it: work in progress, work that
 * failed, and which portals already have work of some kinds. The features name their kinds; the
 * {@code job} table and its statuses stay this package's business.
 */
@ApplicationScoped
public class PortalWork {

    private final EntityManager em;

    PortalWork(EntityManager em) {
        this.em = em;
    }

    /** The portal's most recent jobs that failed for good, newest first (kept for {@code b24.jobs.retention}). */
    @Transactional
    public List<FailedJob> recentFailures(String memberId, int max) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select kind, last_error, updated_at from job where member_id = :member and status = 'failed'
                order by updated_at desc limit :max""")
                .setParameter("member", memberId)
                .setParameter("max", max)
                .getResultList();
        return rows.stream().map(row -> new FailedJob((String) row[0], (String) row[1], SqlValues.instant(row[2]))).toList();
    }

    /** Jobs of the portal that are queued or running: work an admin page shows as in progress. */
    @Transactional
    public long unfinished(String memberId) {
        return ((Number) em.createNativeQuery("select count(*) from job where member_id = :member and (status = 'queued' or status = 'running')")
                .setParameter("member", memberId)
                .getSingleResult()).longValue();
    }

    /**
     * Portals with a job of one of {@code kinds} queued or running, or failed within {@code failedWithin}:
     * work that is under way, or that should be left alone a while before it is tried again. For the
     * administrative kinds only ({@link #HIGH_VOLUME_KINDS} are refused): it reads their index, never a backlog of events.
     */
    @Transactional
    public Set<String> busyWith(Collection<String> kinds, Duration failedWithin) {
        kinds.forEach(PortalWork::requireAdministrative);
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery(BUSY_WITH)
                .setParameter("kinds", kinds.toArray(String[]::new))
                .setParameter("failedWithin", (double) failedWithin.toSeconds())
                .getResultList();
        return Set.copyOf(rows);
    }

    /** Portals with a job of {@code kind} running, or queued and due: across all replicas, one each. */
    @Transactional
    public long portalsRunningOrDue(String kind) {
        requireAdministrative(kind);
        return ((Number) em.createNativeQuery(RUNNING_OR_DUE).setParameter("kind", kind).getSingleResult()).longValue();
    }

    /**
     * The kinds that come by the thousand (every Bitrix24 event, every message sent through the API),
     * kept out of the index of portal work (V20, {@code job_portal_work}) so that their inserts write
     * nothing more. The queries below repeat its predicate, which lets every plan use the index.
     */
    static final Set<String> HIGH_VOLUME_KINDS = Set.of("bot-event", "send-message");

    static final String BUSY_WITH = """
            select distinct member_id from job where kind = any(cast(:kinds as text[]))
              and kind not in ('bot-event', 'send-message')
              and (status = 'queued' or status = 'running'
                   or status = 'failed' and updated_at > now() - make_interval(secs => :failedWithin))
            """;

    static final String RUNNING_OR_DUE = """
            select count(distinct member_id) from job where kind = :kind
              and kind not in ('bot-event', 'send-message')
              and (status = 'running' or status = 'queued' and run_at <= now())
            """;

    private static void requireAdministrative(String kind) {
        if (HIGH_VOLUME_KINDS.contains(kind)) {
            throw new IllegalArgumentException("Portal work is asked of administrative kinds, not " + kind);
        }
    }
}
