package io.b24bots.jobs;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

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
    private static final Pattern NAMED = Pattern.compile("(?<!:):([a-zA-Z]\\w*)");
    private static final Positional CAPPED_JDBC = Positional.of(CAPPED);
    private static final Positional UNCAPPED_JDBC = Positional.of(UNCAPPED);

    /** Marks a transaction that already carries its notification. */
    private static final Object ANNOUNCED = new Object();

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
        Map<String, Object> values = new HashMap<>();
        values.put("kind", kind);
        values.put("memberId", memberId);
        values.put("payload", payload);
        values.put("dedupKey", dedupKey);
        values.put("cap", config.maxQueuedPerPortal());
        Positional sql = capped ? CAPPED_JDBC : UNCAPPED_JDBC;
        // Plain JDBC on the transaction's connection: Hibernate's mapping of this scalar row cost
        // more than the statement (it built and caught an exception per query, see bench/RESULTS.md).
        boolean[] row = session().doReturningWork(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql.text())) {
                for (int i = 0; i < sql.names().size(); i++) {
                    statement.setObject(i + 1, values.get(sql.names().get(i)));
                }
                try (ResultSet result = statement.executeQuery()) {
                    result.next();
                    return new boolean[] {result.getBoolean(1), result.getLong(2) > 0};
                }
            }
        });
        if (row[1]) {
            announceOnce();
            return Enqueued.QUEUED;
        }
        return row[0] ? Enqueued.DUPLICATE : Enqueued.PORTAL_FULL;
    }

    private Session session() {
        return em.unwrap(Session.class);
    }

    /** SQL with JDBC's positional parameters and, in order, the names they stood for. */
    private record Positional(String text, List<String> names) {
        static Positional of(String named) {
            List<String> names = new ArrayList<>();
            Matcher matcher = NAMED.matcher(named);
            StringBuilder text = new StringBuilder();
            while (matcher.find()) {
                names.add(matcher.group(1));
                matcher.appendReplacement(text, "?");
            }
            matcher.appendTail(text);
            return new Positional(text.toString(), List.copyOf(names));
        }
    }

    /**
     * One announcement per transaction however many jobs it queues (a batch of events is one
     * transaction): PostgreSQL serialises the commits of notifying transactions, and each
     * notification wakes every replica's worker, so more would only cost.
     */
    private void announceOnce() {
        if (transactions.getResource(ANNOUNCED) != null) {
            return;
        }
        transactions.putResource(ANNOUNCED, Boolean.TRUE);
        wakeAfterCommit();
        // Delivered to every replica's listener when this transaction commits, not before.
        session().doWork(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("notify " + JobNotifications.CHANNEL);
            }
        });
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
