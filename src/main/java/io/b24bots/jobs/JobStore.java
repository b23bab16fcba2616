package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

/** The SQL of the shared queue: leases taken with SKIP LOCKED so replicas never take the same job. */
@ApplicationScoped
public class JobStore {

    private final EntityManager em;

    JobStore(EntityManager em) {
        this.em = em;
    }

    /**
     * Takes up to {@code max} due jobs for {@code worker}: queued ones whose time has come and
     * running ones whose taker's lease ran out. At most one per portal, none of a portal that
     * already has a job running, oldest first: one busy portal cannot starve the others, and a
     * portal's jobs run in order.
     */
    @SuppressWarnings("unchecked")
    public List<QueuedJob> claim(String worker, int max, Duration lease) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Object[]> rows = em.createNativeQuery("""
                    update job set status = 'running', locked_by = :worker,
                           locked_until = now() + make_interval(secs => :lease),
                           attempts = attempts + 1, updated_at = now()
                    where id in (
                        select j.id from job j
                        where j.id in (
                            select id from (
                                select c.id, c.run_at,
                                       row_number() over (partition by c.member_id order by c.run_at, c.id) as rn
                                from job c
                                where ((c.status = 'queued' and c.run_at <= now())
                                       or (c.status = 'running' and c.locked_until < now()))
                                  and not exists (select 1 from job r where r.member_id = c.member_id
                                                  and r.status = 'running' and r.locked_until >= now())
                            ) ranked
                            where rn = 1
                            order by run_at, id
                            limit :max)
                          and ((j.status = 'queued' and j.run_at <= now())
                               or (j.status = 'running' and j.locked_until < now()))
                        for update skip locked)
                    returning id, kind, member_id, payload, attempts, created_at
                    """)
                    .setParameter("worker", worker)
                    .setParameter("lease", (double) lease.toSeconds())
                    .setParameter("max", max)
                    .getResultList();
            List<QueuedJob> jobs = new ArrayList<>();
            for (Object[] row : rows) {
                jobs.add(new QueuedJob(((Number) row[0]).longValue(), (String) row[1], (String) row[2], (String) row[3],
                        ((Number) row[4]).intValue(), toInstant(row[5])));
            }
            return jobs;
        });
    }

    /** Extends the lease; false when the job is no longer this worker's (it was taken over). */
    public boolean renew(long id, String worker, Duration lease) {
        return update("""
                update job set locked_until = now() + make_interval(secs => :lease), updated_at = now()
                where id = :id and locked_by = :worker and status = 'running'
                """, id, worker, q -> q.setParameter("lease", (double) lease.toSeconds()));
    }

    public boolean complete(long id, String worker) {
        return update("""
                update job set status = 'done', locked_by = null, locked_until = null, last_error = null, updated_at = now()
                where id = :id and locked_by = :worker and status = 'running'
                """, id, worker, q -> { });
    }

    public boolean retry(long id, String worker, Duration delay, String error) {
        return update("""
                update job set status = 'queued', run_at = now() + make_interval(secs => :delay),
                       locked_by = null, locked_until = null, last_error = :error, updated_at = now()
                where id = :id and locked_by = :worker and status = 'running'
                """, id, worker, q -> q.setParameter("delay", delay.toMillis() / 1000.0).setParameter("error", cut(error)));
    }

    public boolean fail(long id, String worker, String error) {
        return update("""
                update job set status = 'failed', locked_by = null, locked_until = null, last_error = :error, updated_at = now()
                where id = :id and locked_by = :worker and status = 'running'
                """, id, worker, q -> q.setParameter("error", cut(error)));
    }

    /** How much work waits: queued jobs, leased ones, and the age of the oldest due one. */
    public record QueueStats(long waiting, long running, long oldestDueSeconds) {
    }

    public QueueStats stats() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object[] row = (Object[]) em.createNativeQuery("""
                    select count(*) filter (where status = 'queued'),
                           count(*) filter (where status = 'running'),
                           coalesce(extract(epoch from now() - min(run_at) filter (where status = 'queued' and run_at <= now())), 0)
                    from job where status in ('queued', 'running')
                    """).getSingleResult();
            return new QueueStats(((Number) row[0]).longValue(), ((Number) row[1]).longValue(), ((Number) row[2]).longValue());
        });
    }

    /** Deletes finished jobs older than {@code retention}. */
    public int purgeFinished(Duration retention) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "delete from job where status in ('done', 'failed') and updated_at < now() - make_interval(secs => :age)")
                .setParameter("age", (double) retention.toSeconds())
                .executeUpdate());
    }

    private boolean update(String sql, long id, String worker, java.util.function.Consumer<jakarta.persistence.Query> more) {
        return QuarkusTransaction.requiringNew().call(() -> {
            jakarta.persistence.Query query = em.createNativeQuery(sql).setParameter("id", id).setParameter("worker", worker);
            more.accept(query);
            return query.executeUpdate() == 1;
        });
    }

    private static String cut(String error) {
        return error == null || error.length() <= 2000 ? error : error.substring(0, 2000);
    }

    private static Instant toInstant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        return Instant.now();
    }
}
