package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.b24bots.support.SqlValues;
import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

/**
 * The queue as an operator sees it across portals: its depth and age, the jobs that failed for good
 * (the dead set) and the ones that are stuck, and putting failed jobs back or discarding them. Every
 * query is served by a partial index, so it stays quick with a million rows.
 */
@ApplicationScoped
public class QueueInspection {

    /** What the queue holds right now. {@code oldestWaiting} is null when nothing due is waiting. */
    public record Depth(long waiting, long scheduled, long running, long paused, Duration oldestWaiting) {
    }

    /** One job as the console lists it; {@code error} is the text it failed with, {@code errorCode} its code. */
    public record JobRow(long id, String kind, String memberId, String status, int attempts, String errorCode,
            String error, Instant createdAt, Instant updatedAt, Instant runAt) {

        /** The error's text after its code, which is shown beside it. */
        public String message() {
            return error != null && errorCode != null && error.startsWith(errorCode + ": ")
                    ? error.substring(errorCode.length() + 2) : error;
        }
    }

    /** Which jobs a list or a bulk action is about: failed or stuck, optionally of one kind and code. */
    public record Filter(JobSet set, String kind, String errorCode) {
    }

    /** The dead set (failed for good), or the jobs that wait or run far longer than they should. */
    public enum JobSet {
        FAILED, STUCK
    }

    private static final String COLUMNS = "id, kind, member_id, status, attempts, error_code, last_error, created_at, updated_at, run_at";

    private final EntityManager em;
    private final JobQueue queue;
    private final JobsConfig config;
    private final List<String> kinds;

    QueueInspection(EntityManager em, JobQueue queue, JobsConfig config, @All List<JobHandler> handlers) {
        this.kinds = handlers.stream().map(JobHandler::kind).distinct().sorted().toList();
        this.em = em;
        this.queue = queue;
        this.config = config;
    }

    @Transactional
    public Depth depth() {
        // The paused portals' share is counted from the few paused portals, not per waiting job.
        Object[] row = (Object[]) em.createNativeQuery("""
                select count(*) filter (where status = 'queued' and run_at <= now()),
                       count(*) filter (where status = 'queued' and run_at > now()),
                       count(*) filter (where status = 'running'),
                       (select count(*) from portal_pause pp join job j on j.member_id = pp.member_id and j.status = 'queued'),
                       extract(epoch from now() - min(run_at) filter (where status = 'queued' and run_at <= now()))
                from job where status = 'queued' or status = 'running'
                """).getSingleResult();
        Number oldest = (Number) row[4];
        return new Depth(((Number) row[0]).longValue(), ((Number) row[1]).longValue(), ((Number) row[2]).longValue(),
                ((Number) row[3]).longValue(), oldest == null ? null : Duration.ofMillis((long) (oldest.doubleValue() * 1000)));
    }

    /** Jobs that failed for good within {@code within}, counted by error code (null: no code), most first. */
    @Transactional
    public Map<String, Long> failuresByCode(Duration within, int max) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select error_code, count(*) from job where status = 'failed' and updated_at > now() - make_interval(secs => :within)
                group by error_code order by count(*) desc, error_code limit :max""")
                .setParameter("within", (double) within.toSeconds())
                .setParameter("max", max)
                .getResultList();
        Map<String, Long> out = new LinkedHashMap<>();
        rows.forEach(row -> out.put((String) row[0], ((Number) row[1]).longValue()));
        return out;
    }

    /** Every kind of job this service runs, for the queue page's filter. */
    public List<String> kinds() {
        return kinds;
    }

    /** A page of the jobs {@code filter} selects, newest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<JobRow> list(Filter filter, int offset, int max) {
        return rows(em.createNativeQuery("select " + COLUMNS + " from job where " + where(filter)
                + " order by " + (filter.set() == JobSet.FAILED ? "updated_at desc, id desc" : "run_at, id")
                + " offset :offset limit :max"), filter)
                .setParameter("offset", offset)
                .setParameter("max", max)
                .getResultList().stream().map(QueueInspection::row).toList();
    }

    /** How many jobs {@code filter} selects, counted up to {@code upTo} (a page needs no exact million). */
    @Transactional
    public long count(Filter filter, long upTo) {
        return ((Number) rows(em.createNativeQuery("select count(*) from (select 1 from job where " + where(filter)
                + " limit :upTo) selected"), filter).setParameter("upTo", upTo).getSingleResult()).longValue();
    }

    /** The portal's most recent jobs of any status, newest first. */
    @Transactional
    public List<JobRow> recent(String memberId, int max) {
        // One arm per partial index on member_id (finished, queued, running): there is no index of all of them.
        String arm = "(select " + COLUMNS + " from job where member_id = :member and %s order by id desc limit :max)";
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(arm.formatted("status in ('done', 'failed')") + " union all "
                + arm.formatted("status = 'queued'") + " union all " + arm.formatted("status = 'running'")
                + " order by id desc limit :max")
                .setParameter("member", memberId)
                .setParameter("max", max)
                .getResultList();
        return rows.stream().map(QueueInspection::row).toList();
    }

    /**
     * Puts failed jobs back in the queue, due now, with their attempts counted from zero; answers the
     * ids put back, by portal. A job whose twin (same kind and deduplication key) is already waiting is
     * left failed: the waiting one does its work.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Map<String, List<Long>> retry(List<Long> ids) {
        Map<String, List<Long>> retried = byPortal(em.createNativeQuery("""
                update job j set status = 'queued', run_at = now(), attempts = 0, last_error = null, updated_at = now()
                where j.id = any(cast(:ids as bigint[])) and j.status = 'failed'
                  and (j.dedup_key is null or not exists (select 1 from job q where q.kind = j.kind
                       and q.dedup_key = j.dedup_key and q.status = 'queued'))
                returning j.member_id, j.id""")
                .setParameter("ids", ids.toArray(Long[]::new)));
        if (!retried.isEmpty()) {
            queue.announceOnce();
        }
        return retried;
    }

    /** Deletes failed jobs for good (only failed ones); answers the ids deleted, by portal. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Map<String, List<Long>> discard(List<Long> ids) {
        return byPortal(em.createNativeQuery("delete from job where id = any(cast(:ids as bigint[])) and status = 'failed' returning member_id, id")
                .setParameter("ids", ids.toArray(Long[]::new)));
    }

    private static Map<String, List<Long>> byPortal(Query query) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = query.getResultList();
        Map<String, List<Long>> out = new TreeMap<>();
        rows.forEach(row -> out.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add(((Number) row[1]).longValue()));
        out.values().forEach(Collections::sort);
        return out;
    }

    /** Ids of up to {@code max} jobs {@code filter} selects, for a bulk action on all of them. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Long> ids(Filter filter, int max) {
        @SuppressWarnings("unchecked")
        List<Number> ids = rows(em.createNativeQuery("select id from job where " + where(filter)
                + " order by id limit :max"), filter).setParameter("max", max).getResultList();
        return ids.stream().map(Number::longValue).toList();
    }

    /** Ids of the portal's failed jobs. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Long> failedOf(String memberId, int max) {
        @SuppressWarnings("unchecked")
        List<Number> ids = em.createNativeQuery("select id from job where member_id = :member and status = 'failed' order by id limit :max")
                .setParameter("member", memberId)
                .setParameter("max", max)
                .getResultList();
        return ids.stream().map(Number::longValue).toList();
    }

    /**
     * Failed: the dead set. Stuck: due and waiting longer than {@code b24.jobs.stuck-after} (workers
     * short, or the portal paused), or running with a lease that ran out (its replica died).
     */
    private String where(Filter filter) {
        String set = filter.set() == JobSet.FAILED ? "status = 'failed'"
                : "(status = 'queued' and run_at < now() - make_interval(secs => :stuckAfter)"
                        + " or status = 'running' and locked_until < now())";
        return set + (filter.kind() == null ? "" : " and kind = :kind")
                + (filter.errorCode() == null ? "" : " and error_code = :code");
    }

    private Query rows(Query query, Filter filter) {
        if (filter.set() == JobSet.STUCK) {
            query.setParameter("stuckAfter", (double) config.stuckAfter().toSeconds());
        }
        if (filter.kind() != null) {
            query.setParameter("kind", filter.kind());
        }
        if (filter.errorCode() != null) {
            query.setParameter("code", filter.errorCode());
        }
        return query;
    }

    private static JobRow row(Object value) {
        Object[] row = (Object[]) value;
        return new JobRow(((Number) row[0]).longValue(), (String) row[1], (String) row[2], (String) row[3],
                ((Number) row[4]).intValue(), (String) row[5], (String) row[6], SqlValues.instant(row[7]),
                SqlValues.instant(row[8]), SqlValues.instant(row[9]));
    }
}
