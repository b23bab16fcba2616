package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /*
     * offerAll's one statement for a whole batch (one text for every size: array parameters, so
     * PostgreSQL plans it once per connection). Each portal's room is counted once, as in INSERT,
     * unless this replica counted it a moment ago far below the cap ("known", see PortalRoom);
     * an offer is taken when the portal's active jobs plus its earlier offers in the batch leave a
     * place, exactly what offering them one by one in this order would do. The rows are inserted
     * in batch order so ids, and so the order a portal's jobs are claimed in, follow arrival.
     * Nothing reads "added": PostgreSQL runs a data-modifying WITH to completion all the same.
     */
    private static final String INSERT_ALL = """
            with offered as (
                select t.member_id, t.payload, t.ord,
                       row_number() over (partition by t.member_id order by t.ord) as place
                from unnest(cast(? as varchar[]), cast(? as text[])) with ordinality as t(member_id, payload, ord)
            ), known as (
                select k.member_id, k.active from unnest(cast(? as varchar[]), cast(? as bigint[])) as k(member_id, active)
            ), room as (
                select m.member_id, k.active is null as counted,
                       coalesce(k.active,
                                (select count(*) from (select 1 from job where member_id = m.member_id and status = 'queued'
                                                       union all
                                                       select 1 from job where member_id = m.member_id and status = 'running'
                                                       limit ?) active)) as active
                from (select distinct member_id from offered) m left join known k on k.member_id = m.member_id
            ), taken as (
                select o.ord, o.member_id, o.payload from offered o join room r on r.member_id = o.member_id
                where r.active + o.place <= ?
            ), added as (
                insert into job (kind, member_id, payload, status, attempts, run_at, created_at, updated_at)
                select cast(? as varchar), member_id, payload, 'queued', 0, now(), now(), now()
                from taken order by ord
            )
            select array(select ord from taken order by ord),
                   array(select member_id from room where counted order by member_id),
                   array(select active from room where counted order by member_id)
            """;

    /** Marks a transaction whose announcement after commit is already registered. */
    private static final Object ANNOUNCED = new Object();

    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final JobAnnouncements announcements;
    private final JobsConfig config;
    private final PortalRoom rooms = new PortalRoom();

    JobQueue(EntityManager em, TransactionSynchronizationRegistry transactions, JobAnnouncements announcements,
            JobsConfig config) {
        this.em = em;
        this.transactions = transactions;
        this.announcements = announcements;
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

    /**
     * Offers many jobs of one kind in one statement, with {@link #offer}'s per-portal cap and no
     * dedup key, in the transaction open on {@code connection} (a plain JDBC one: the intake's
     * batches skip the transaction manager and the ORM session). Index
     * i of the answer is true when payloads[i] was queued for memberIds[i], false when that portal
     * was full. A full portal refuses only its own offers; the others' are queued. Once that
     * transaction has committed, the caller calls {@link #committed()} when any job was queued.
     */
    public boolean[] offerAll(Connection connection, String kind, List<String> memberIds, List<String> payloads)
            throws SQLException {
        if (memberIds.size() != payloads.size()) {
            throw new IllegalArgumentException("one payload per portal");
        }
        boolean[] queued = new boolean[memberIds.size()];
        if (queued.length == 0) {
            return queued;
        }
        int cap = config.maxQueuedPerPortal();
        long now = System.nanoTime();
        Map<String, Integer> offers = new HashMap<>();
        memberIds.forEach(memberId -> offers.merge(memberId, 1, Integer::sum));
        List<String> knownIds = new ArrayList<>();
        List<Long> knownActive = new ArrayList<>();
        offers.forEach((memberId, count) -> {
            long active = rooms.known(memberId, count, cap, now);
            if (active >= 0) {
                knownIds.add(memberId);
                knownActive.add(active);
            }
        });
        Map<String, Integer> taken = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(INSERT_ALL)) {
            statement.setArray(1, connection.createArrayOf("varchar", memberIds.toArray(new String[0])));
            statement.setArray(2, connection.createArrayOf("text", payloads.toArray(new String[0])));
            statement.setArray(3, connection.createArrayOf("varchar", knownIds.toArray(new String[0])));
            statement.setArray(4, connection.createArrayOf("int8", knownActive.toArray(new Long[0])));
            statement.setInt(5, cap);
            statement.setInt(6, cap);
            statement.setString(7, kind);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                // ordinality counts from 1
                for (Long ord : (Long[]) result.getArray(1).getArray()) {
                    int i = (int) (ord - 1);
                    queued[i] = true;
                    taken.merge(memberIds.get(i), 1, Integer::sum);
                }
                String[] counted = (String[]) result.getArray(2).getArray();
                Long[] active = (Long[]) result.getArray(3).getArray();
                for (int i = 0; i < counted.length; i++) {
                    rooms.counted(counted[i], active[i], taken.getOrDefault(counted[i], 0), now);
                }
            }
        }
        knownIds.forEach(memberId -> rooms.took(memberId, taken.getOrDefault(memberId, 0)));
        return queued;
    }

    /** Jobs {@link #offerAll} queued were committed: the workers are told ({@link #offer}'s are told at their commit). */
    public void committed() {
        announcements.committed();
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
     * transaction), made after it commits: job rows are invisible to every worker until then.
     */
    private void announceOnce() {
        if (transactions.getResource(ANNOUNCED) != null) {
            return;
        }
        transactions.putResource(ANNOUNCED, Boolean.TRUE);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    announcements.committed();
                }
            }
        });
    }

    /** Drops every job of a portal that is not running; used when a portal's data is purged. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int deleteWaiting(String memberId) {
        // Each status named in the text, not bound: the planner serves each arm from its partial index.
        return em.createNativeQuery("delete from job where member_id = :member and (status = 'queued' or status in ('done', 'failed'))")
                .setParameter("member", memberId)
                .executeUpdate();
    }

    /** Jobs of the portal that are queued or running: work an admin page shows as in progress. */
    @Transactional
    public long unfinished(String memberId) {
        return ((Number) em.createNativeQuery("select count(*) from job where member_id = :member and (status = 'queued' or status = 'running')")
                .setParameter("member", memberId)
                .getSingleResult()).longValue();
    }
}
