package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;

import io.b24bots.support.AsynchronousCommit;
import io.b24bots.support.PlainTransaction;
import io.b24bots.support.PortalLogContext;
import io.b24bots.support.Texts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import org.hibernate.Session;
import org.jboss.logging.Logger;

/** The SQL of the shared queue: leases taken with SKIP LOCKED so replicas never take the same job. */
@ApplicationScoped
public class JobStore {

    private static final Logger LOG = Logger.getLogger(JobStore.class);

    private final EntityManager em;
    private final DataSource database;
    private final JobsConfig config;
    private final MeterRegistry meters;

    JobStore(EntityManager em, DataSource database, JobsConfig config, MeterRegistry meters) {
        this.em = em;
        this.database = database;
        this.config = config;
        this.meters = meters;
    }

    /**
     * The claim, kept cheap however long one portal's backlog is: it never reads the queued jobs
     * themselves, only each portal's first one. A loose index scan over {@code job_queued_member}
     * (V4) walks the distinct portals with queued jobs, one index probe each, and takes each
     * portal's head (oldest by run_at, id); running jobs whose lease ran out join them (there are
     * few running rows, read through {@code job_lease_expiry}). Per portal the older of the two is
     * the candidate; portals with a live lease, and portals an operator paused, are left out; the oldest
     * candidates win. They are
     * handed on as an array so the rows are then looked up by primary key (a join here let the
     * planner read every due job); the re-check runs on the locked row, so a job another replica
     * took meanwhile is skipped. The ids locked go to the update as an array too: with {@code id in}
     * a generic plan made while the queue was empty walked every job's key and probed the locked
     * set for each (1.7-3.3 s a claim over 50,000 queued jobs, where the lookup by key takes 12 ms).
     * A running job whose lease ran out after {@code b24.jobs.max-attempts} claims is not taken again
     * but failed as {@value #ABANDONED} in the same statement: its runs never recorded an outcome, so
     * the process running it stopped or died each time, and running it again may kill the next one.
     * Answer: one row per job, {@code true} in the first column for a job claimed, {@code false} for
     * one abandoned.
     * Parameters: the max attempts (twice), the abandoned error text, the worker, the lease in seconds,
     * the most jobs to take.
     */
    static final String CLAIM = """
            with recursive portals(member_id) as (
                (select member_id from job where status = 'queued' order by member_id limit 1)
                union all
                select (select j.member_id from job j
                        where j.status = 'queued' and j.member_id > p.member_id
                        order by j.member_id limit 1)
                from portals p where p.member_id is not null
            ), heads as (
                select h.id, h.member_id, h.run_at
                from portals p
                cross join lateral (select j.id, j.member_id, j.run_at from job j
                                    where j.status = 'queued' and j.member_id = p.member_id
                                    order by j.run_at, j.id limit 1) h
                where p.member_id is not null and h.run_at <= now()
            ), expired as (
                select id, member_id, run_at from job where status = 'running' and locked_until < now() and attempts < ?
            ), abandoned as (
                update job set status = 'failed', locked_by = null, locked_until = null, last_error = ?, updated_at = now()
                where status = 'running' and locked_until < now() and attempts >= ?
                returning id, kind, member_id, attempts, created_at
            ), firsts as (
                select distinct on (member_id) id, member_id, run_at
                from (select * from heads union all select * from expired) candidate
                order by member_id, run_at, id
            ), claimed as (
            update job set status = 'running', locked_by = ?,
                   locked_until = now() + make_interval(secs => ?),
                   attempts = attempts + 1, updated_at = now()
            where id = any(array(
                select j.id from job j
                where j.id = any(array(
                    select f.id from firsts f
                    where not exists (select 1 from job r where r.member_id = f.member_id
                                      and r.status = 'running' and r.locked_until >= now())
                      and not exists (select 1 from portal_pause pp where pp.member_id = f.member_id)
                    order by f.run_at, f.id
                    limit ?))
                  and ((j.status = 'queued' and j.run_at <= now())
                       or (j.status = 'running' and j.locked_until < now()))
                for update skip locked))
            returning id, kind, member_id, payload, attempts, created_at, trace_parent)
            select true, id, kind, member_id, payload, attempts, created_at, trace_parent from claimed
            union all
            select false, id, kind, member_id, null, attempts, created_at, null from abandoned
            """;

    /** The code a job gets when its runs ended without an outcome {@code b24.jobs.max-attempts} times. */
    public static final String ABANDONED = "ABANDONED";

    /**
     * Takes up to {@code max} due jobs for {@code worker}: queued ones whose time has come and
     * running ones whose taker's lease ran out. At most one per portal, none of a portal that
     * already has a job running, oldest first: one busy portal cannot starve the others, and a
     * portal's jobs run in order. See {@link #CLAIM} for why it stays fast.
     */
    public List<QueuedJob> claim(String worker, int max, Duration lease) {
        // Plain JDBC: it runs on every wake-up, and Hibernate's mapping of a native row costs more than the row.
        return bookkeeping(connection -> claim(connection, worker, max, lease));
    }

    private List<QueuedJob> claim(Connection connection, String worker, int max, Duration lease)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(CLAIM)) {
            int attempts = config.maxAttempts();
            statement.setInt(1, attempts);
            statement.setString(2, ABANDONED + ": its last " + attempts + " runs ended without an outcome (the replica "
                    + "running it stopped or died each time), so it is not run again");
            statement.setInt(3, attempts);
            statement.setString(4, worker);
            statement.setDouble(5, lease.toMillis() / 1000.0);
            statement.setInt(6, max);
            long sent = System.nanoTime();
            List<QueuedJob> jobs = new ArrayList<>();
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    if (row.getBoolean(1)) {
                        jobs.add(new QueuedJob(row.getLong(2), row.getString(3), row.getString(4), row.getString(5),
                                row.getString(8), row.getInt(6), row.getTimestamp(7).toInstant(), this, worker, lease, sent));
                    } else {
                        abandoned(row.getLong(2), row.getString(3), row.getString(4), row.getInt(6));
                    }
                }
            }
            return jobs;
        }
    }

    private void abandoned(long id, String kind, String memberId, int attempts) {
        meters.counter("b24.jobs.completed", "kind", kind, "outcome", "abandoned").increment();
        try (PortalLogContext log = PortalLogContext.of(memberId)) {
            LOG.errorf("Job %d (%s) of portal %s failed as %s: %d runs ended without an outcome", id, kind, memberId,
                    ABANDONED, attempts);
        }
    }

    /** What one round of a worker recorded and took: the finished jobs still its own, and the jobs claimed. */
    public record Round(Set<Long> completed, List<QueuedJob> claimed) {
    }

    /**
     * Records {@code finished} jobs done (see {@link #COMPLETE}) and claims up to {@code max} more, in
     * one transaction: a busy worker's outcomes cost no transaction of their own. Without finished
     * jobs it is {@link #claim}.
     */
    public Round completeAndClaim(String worker, List<QueuedJob> finished, int max, Duration lease) {
        if (finished.isEmpty()) {
            return new Round(Set.of(), max > 0 ? claim(worker, max, lease) : List.of());
        }
        return bookkeeping(connection -> {
            Set<Long> completed = complete(connection, worker, finished);
            return new Round(completed, max > 0 ? claim(connection, worker, max, lease) : List.of());
        });
    }

    /**
     * The jobs a leasing statement returned (id, kind, member_id, payload, attempts, created_at, trace_parent).
     * Each is held until {@code lease} after the statement was sent: a bound this process can check
     * on its own clock (see {@link QueuedJob#confirmLease()}).
     */
    private List<QueuedJob> leased(PreparedStatement statement, String worker, Duration lease) throws SQLException {
        long sent = System.nanoTime();
        List<QueuedJob> jobs = new ArrayList<>();
        try (ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                jobs.add(new QueuedJob(row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(7),
                        row.getInt(5), row.getTimestamp(6).toInstant(), this, worker, lease, sent));
            }
        }
        return jobs;
    }

    /**
     * Leases, for each given head (a job this worker just claimed), up to {@code more} further due
     * jobs of the same portal and kind that come after it in queue order, so a handler can take a
     * busy portal's backlog in one run. No other worker takes these meanwhile: a portal with a live
     * lease is not claimed, and the re-check on each row skips one that changed since it was read.
     */
    public List<QueuedJob> claimFollowers(String worker, List<QueuedJob> heads, int more, Duration lease) {
        if (heads.isEmpty() || more <= 0) {
            return List.of();
        }
        return bookkeeping(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("""
                    with taken as (
                    update job set status = 'running', locked_by = ?, locked_until = now() + make_interval(secs => ?),
                           attempts = attempts + 1, updated_at = now()
                    where id = any(array(
                        select f.id from job h
                        cross join lateral (select j.id from job j
                                            where j.status = 'queued' and j.member_id = h.member_id and j.kind = h.kind
                                              and j.run_at <= now() and (j.run_at, j.id) > (h.run_at, h.id)
                                            order by j.run_at, j.id limit ?) f
                        where h.id = any(?) and h.status = 'running' and h.locked_by = ?))
                      and status = 'queued' and run_at <= now()
                    returning id, kind, member_id, payload, attempts, created_at, run_at, trace_parent)
                    select id, kind, member_id, payload, attempts, created_at, trace_parent from taken order by run_at, id""")) {
                statement.setString(1, worker);
                statement.setDouble(2, lease.toMillis() / 1000.0);
                statement.setInt(3, more);
                statement.setObject(4, heads.stream().mapToLong(QueuedJob::id).toArray());
                statement.setString(5, worker);
                return leased(statement, worker, lease);
            }
        });
    }

    /** Extends the leases of several jobs in one statement; the ids still this worker's. */
    public Set<Long> renewAll(String worker, List<QueuedJob> jobs, Duration lease) {
        if (jobs.isEmpty()) {
            return Set.of();
        }
        return bookkeeping(connection -> {
            try (PreparedStatement statement = connection.prepareStatement("""
                    update job set locked_until = now() + make_interval(secs => ?), updated_at = now()
                    from unnest(?, ?) as t(id, attempt)
                    where job.id = any(?) and job.id = t.id and job.attempts = t.attempt and job.locked_by = ?
                      and job.status = 'running'
                    returning job.id""")) {
                statement.setDouble(1, lease.toMillis() / 1000.0);
                statement.setObject(2, jobs.stream().mapToLong(QueuedJob::id).toArray());
                statement.setObject(3, jobs.stream().mapToInt(QueuedJob::attempt).toArray());
                // The ids again, as the index condition (see COMPLETE).
                statement.setObject(4, jobs.stream().mapToLong(QueuedJob::id).toArray());
                statement.setString(5, worker);
                return ids(statement);
            }
        });
    }

    /**
     * Marks finished jobs done, or deletes them where their kind keeps none
     * ({@link QueuedJob#keptWhenDone()}): a delete leaves no new row version and no index entries,
     * and the table stays the size of the work in flight. The rows are found by key through the ids'
     * array: joined to the list alone, a generic plan made while the queue was empty read every job.
     */
    static final String COMPLETE = """
            with finished as (
                select t.id, t.attempt, t.kept from unnest(?, ?, ?) as t(id, attempt, kept)
            ), kept as (
                update job set status = 'done', locked_by = null, locked_until = null, last_error = null, updated_at = now()
                from finished f
                where job.id = any(array(select id from finished where kept)) and job.id = f.id and f.kept
                  and job.attempts = f.attempt and job.locked_by = ? and job.status = 'running'
                returning job.id
            ), deleted as (
                delete from job using finished f
                where job.id = any(array(select id from finished where not kept)) and job.id = f.id and not f.kept
                  and job.attempts = f.attempt and job.locked_by = ? and job.status = 'running'
                returning job.id
            )
            select id from kept union all select id from deleted""";

    /** Records several jobs done in one statement; the ids that were still this worker's (the others were recorded by their new owner). */
    public Set<Long> completeAll(String worker, List<QueuedJob> jobs) {
        if (jobs.isEmpty()) {
            return Set.of();
        }
        return bookkeeping(connection -> complete(connection, worker, jobs));
    }

    private static Set<Long> complete(Connection connection, String worker, List<QueuedJob> jobs)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(COMPLETE)) {
            statement.setObject(1, jobs.stream().mapToLong(QueuedJob::id).toArray());
            statement.setObject(2, jobs.stream().mapToInt(QueuedJob::attempt).toArray());
            statement.setObject(3, keptWhenDone(jobs));
            statement.setString(4, worker);
            statement.setString(5, worker);
            return ids(statement);
        }
    }

    private static boolean[] keptWhenDone(List<QueuedJob> jobs) {
        boolean[] kept = new boolean[jobs.size()];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = jobs.get(i).keptWhenDone();
        }
        return kept;
    }

    private static Set<Long> ids(PreparedStatement statement) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                ids.add(row.getLong(1));
            }
        }
        return ids;
    }

    private Session session() {
        return em.unwrap(Session.class);
    }

    /*
     * Every write below is fenced by (locked_by, attempts): each claim increments attempts, so only
     * the run that holds the current lease can extend it or record an outcome; a worker that lost
     * the job, even to itself, changes nothing.
     */

    /** Extends the lease; false when the job is no longer this run's (it was taken over or removed). */
    public boolean renew(long id, String worker, int attempt, Duration lease) {
        return update("""
                update job set locked_until = now() + make_interval(secs => :lease), updated_at = now()
                where id = :id and locked_by = :worker and attempts = :attempt and status = 'running'
                """, id, worker, attempt, q -> q.setParameter("lease", lease.toMillis() / 1000.0));
    }

    public boolean complete(long id, String worker, int attempt) {
        return update("""
                update job set status = 'done', locked_by = null, locked_until = null, last_error = null, updated_at = now()
                where id = :id and locked_by = :worker and attempts = :attempt and status = 'running'
                """, id, worker, attempt, q -> { });
    }

    public boolean retry(long id, String worker, int attempt, Duration delay, String error) {
        return update("""
                update job set status = 'queued', run_at = now() + make_interval(secs => :delay),
                       locked_by = null, locked_until = null, last_error = :error, updated_at = now()
                where id = :id and locked_by = :worker and attempts = :attempt and status = 'running'
                """, id, worker, attempt,
                q -> q.setParameter("delay", delay.toMillis() / 1000.0).setParameter("error", cut(error)));
    }

    public boolean fail(long id, String worker, int attempt, String error) {
        return update("""
                update job set status = 'failed', locked_by = null, locked_until = null, last_error = :error, updated_at = now()
                where id = :id and locked_by = :worker and attempts = :attempt and status = 'running'
                """, id, worker, attempt, q -> q.setParameter("error", cut(error)));
    }

    /** How much work waits: queued jobs, leased ones, and the age of the oldest due one. */
    public record QueueStats(long waiting, long running, long oldestDueSeconds) {
    }

    public QueueStats stats() {
        return QuarkusTransaction.requiringNew().call(() -> {
            // Counting a backlog of 300,000 jobs took both cores of a small database for 190 ms (parallel
            // workers) every 15 s on every replica, and events waited; a gauge can take one core a while longer.
            em.createNativeQuery("set local max_parallel_workers_per_gather = 0").executeUpdate();
            // One subquery per status, so each reads its partial index (V4) and none the finished jobs.
            Object[] row = (Object[]) em.createNativeQuery("""
                    select (select count(*) from job where status = 'queued'),
                           (select count(*) from job where status = 'running'),
                           coalesce(extract(epoch from now() - (select min(run_at) from job
                                                                 where status = 'queued' and run_at <= now())), 0)
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

    /**
     * A transaction of queue bookkeeping (claims, leases, outcomes) that commits without waiting for
     * the WAL to reach the disk: if PostgreSQL itself crashes, the last moments of bookkeeping may be
     * lost, and the jobs concerned are run again, as a worker's crash would have them (jobs run at
     * least once). What must survive, the jobs themselves and their events, commits durably elsewhere.
     */
    private <T> T bookkeeping(PlainTransaction.Work<T> work) {
        return PlainTransaction.run(database, "keep the job queue's books", connection -> {
            // Generic plans too, in the same statement: PostgreSQL planned the claims afresh on every
            // execution (their parameters' statistics made the generic plan look dearer), and the claim of
            // a busy portal's further jobs spent ten times longer planning than running
            // (bench/RESULTS-analysis.md), for the plan the indexes make it take anyway.
            AsynchronousCommit.withGenericPlans(connection);
            return work.run(connection);
        });
    }

    /**
     * One job's lease or outcome. Unlike {@link #bookkeeping}, which only the runner's own threads
     * call, this may be called from a handler's thread ({@link QueuedJob#confirmLease()}), perhaps
     * inside a transaction of its own: a new transaction suspends it, where a plain JDBC one would
     * have its connection enlisted in it.
     */
    private boolean update(String sql, long id, String worker, int attempt,
            Consumer<Query> more) {
        return QuarkusTransaction.requiringNew().call(() -> {
            session().doWork(AsynchronousCommit::of);
            Query query = em.createNativeQuery(sql).setParameter("id", id).setParameter("worker", worker)
                    .setParameter("attempt", attempt);
            more.accept(query);
            return query.executeUpdate() == 1;
        });
    }

    private static String cut(String error) {
        return Texts.cut(error, 2000);
    }
}
