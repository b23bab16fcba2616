package io.b24bots.jobs;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.b24bots.support.JobTraces;
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
        /**
         * The portal already has {@code b24.jobs.max-queued-per-portal} jobs queued or running, or
         * {@code b24.jobs.max-queued-bytes-per-portal} of payload waiting; nothing was added.
         */
        PORTAL_FULL
    }

    /*
     * One statement, one round trip: "room" counts the portal's queued and running jobs, but never
     * more than the cap (both through V4's partial indexes), and the bytes of its queued payloads, and
     * the insert happens only if there is room for both. Concurrent offers may each see the last free
     * place, so the caps can be passed by the offers racing for them; they bound a flood, not an exact count.
     */
    private static final String INSERT = """
            with room as (
                select %s as ok
            ), added as (
                insert into job (kind, member_id, payload, dedup_key, status, attempts, run_at, created_at, updated_at, trace_parent)
                select cast(:kind as varchar), cast(:memberId as varchar), cast(:payload as text), cast(:dedupKey as varchar),
                       'queued', 0, now() + make_interval(secs => cast(:delay as float8)), now(), now(), cast(:traceParent as varchar)
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
                                   limit :cap) active) < :cap
            and (select coalesce(sum(octet_length(payload)), 0) from job where member_id = :memberId and status = 'queued')
                + coalesce(octet_length(cast(:payload as text)), 0) <= :bytesCap""");
    private static final String UNCAPPED = INSERT.formatted("true");
    private static final PositionalSql CAPPED_JDBC = PositionalSql.of(CAPPED);
    private static final PositionalSql UNCAPPED_JDBC = PositionalSql.of(UNCAPPED);

    /*
     * offerAll's one statement for a whole batch (one text for every size: array parameters, so
     * PostgreSQL plans it once per connection). Each portal's room is counted once, as in INSERT,
     * with the bytes of its queued payloads, unless this replica counted it a moment ago far below
     * both caps ("known", see PortalRoom); an offer is taken when the portal's active jobs and queued
     * bytes plus its earlier offers in the batch leave room, exactly what offering them one by one in
     * this order would do. The rows are inserted
     * in batch order so ids, and so the order a portal's jobs are claimed in, follow arrival.
     * The caller keeps it on its generic plan (the intake: see EventDedup#firstDeliveries).
     * A portal of "locked" (see LOCK_IDLE) with no job queued or running is "idle": its first job
     * of the batch is inserted running, leased to this worker (JobOffers), and needs no count.
     */
    private static final String INSERT_ALL = """
            with offered as (
                select t.member_id, t.payload, t.trace_parent, t.ord,
                       row_number() over (partition by t.member_id order by t.ord) as place,
                       sum(octet_length(t.payload)) over (partition by t.member_id order by t.ord) as bytes_so_far
                from unnest(cast(? as varchar[]), cast(? as text[]), cast(? as varchar[])) with ordinality as t(member_id, payload, trace_parent, ord)
            ), known as (
                select k.member_id, k.active, k.bytes
                from unnest(cast(? as varchar[]), cast(? as bigint[]), cast(? as bigint[])) as k(member_id, active, bytes)
            ), idle as (
                select l.member_id from unnest(cast(? as varchar[])) as l(member_id)
                where not exists (select 1 from job where member_id = l.member_id and status = 'queued')
                  and not exists (select 1 from job where member_id = l.member_id and status = 'running')
            ), room as (
                select m.member_id, i.member_id is not null as idle, i.member_id is not null or k.active is null as counted,
                       exists (select 1 from portal p where p.member_id = m.member_id and p.status = 'active') as installed,
                       case when i.member_id is not null then 0
                            else coalesce(k.active,
                                (select count(*) from (select 1 from job where member_id = m.member_id and status = 'queued'
                                                       union all
                                                       select 1 from job where member_id = m.member_id and status = 'running'
                                                       limit ?) active)) end as active,
                       case when i.member_id is not null then 0
                            else coalesce(k.bytes,
                                (select coalesce(sum(octet_length(payload)), 0) from job
                                 where member_id = m.member_id and status = 'queued')) end as bytes
                from (select distinct member_id from offered) m
                left join known k on k.member_id = m.member_id
                left join idle i on i.member_id = m.member_id
            ), taken as (
                select o.ord, o.member_id, o.payload, o.trace_parent, r.idle and o.place = 1 as leased
                from offered o join room r on r.member_id = o.member_id
                where r.installed and r.active + o.place <= ? and r.bytes + o.bytes_so_far <= ?
            ), added as (
                insert into job (kind, member_id, payload, status, locked_by, locked_until, attempts, run_at, created_at, updated_at,
                                 trace_parent)
                select cast(? as varchar), member_id, payload,
                       case when leased then 'running' else 'queued' end,
                       case when leased then cast(? as varchar) end,
                       case when leased then now() + make_interval(secs => ?) end,
                       case when leased then 1 else 0 end,
                       now(), now(), now(), trace_parent
                from taken order by ord
                returning id, member_id, status
            )
            select array(select ord from taken order by ord),
                   array(select member_id from room where counted order by member_id),
                   array(select active from room where counted order by member_id),
                   array(select member_id from added where status = 'running' order by id),
                   array(select id from added where status = 'running' order by id),
                   exists (select 1 from taken where not leased),
                   now(),
                   array(select bytes from room where counted order by member_id),
                   array(select member_id from room where not installed)
            """;

    /*
     * Which of the given portals this transaction may lease a job of at insert: a transaction-level
     * advisory lock per portal, taken in a statement of its own before INSERT_ALL. Two transactions
     * inserting for the same portal at once (two writers, two replicas) cannot both hold it, and the
     * one that gets it after the other committed takes INSERT_ALL's snapshot after that commit, so it
     * sees the other's job. So a portal never has two jobs leased at insert, nor one beside a queued
     * or running job: its jobs still run one at a time, in order. A portal whose lock is held
     * elsewhere queues its job as usual. The two-key form keeps these apart from other advisory locks.
     */
    private static final String LOCK_IDLE = """
            select array(select m from unnest(cast(? as varchar[])) as t(m)
                         where pg_try_advisory_xact_lock(%d, hashtext(m)))""".formatted(0x6A6F6273);

    /** Marks a transaction whose announcement after commit is already registered. */
    private static final Object ANNOUNCED = new Object();

    private final EntityManager em;
    private final TransactionSynchronizationRegistry transactions;
    private final JobAnnouncements announcements;
    private final JobsConfig config;
    private final JobWorker worker;
    private final PortalRoom rooms = new PortalRoom();

    JobQueue(EntityManager em, TransactionSynchronizationRegistry transactions, JobAnnouncements announcements,
            JobsConfig config, JobWorker worker) {
        this.worker = worker;
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
        return insert(false, kind, memberId, payload, dedupKey, Duration.ZERO) == Enqueued.QUEUED;
    }

    /**
     * Queues a job like {@link #enqueue}, but refuses it ({@link Enqueued#PORTAL_FULL}) when the
     * portal already has {@code b24.jobs.max-queued-per-portal} jobs queued or running. For work a
     * portal's users or Bitrix24 can cause in any amount (incoming events).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Enqueued offer(String kind, String memberId, String payload, String dedupKey) {
        return insert(true, kind, memberId, payload, dedupKey, Duration.ZERO);
    }

    /** {@link #offer}, the job due only after {@code delay}. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Enqueued offer(String kind, String memberId, String payload, String dedupKey, Duration delay) {
        return insert(true, kind, memberId, payload, dedupKey, delay);
    }

    /** Offers for one transaction, with slots of this replica's worker held for {@code portals} of them; see {@link JobOffers}. */
    public JobOffers offers(int portals) {
        JobRunner runner = worker.runner();
        int slots = runner == null || portals <= 0 ? 0 : runner.reserve(portals);
        return new JobOffers(slots > 0 ? runner : null, slots, announcements);
    }

    /**
     * Offers many jobs of one kind in one statement, with {@link #offer}'s per-portal cap and no
     * dedup key, in the transaction open on {@code connection} (a plain JDBC one: the intake's
     * batches skip the transaction manager and the ORM session), for portals that are installed when
     * the statement runs: an uninstall committed by any replica a moment ago is seen here whether or
     * not this replica has heard of it yet. Index i of {@link Offered#queued()} is true when payloads[i]
     * was queued for memberIds[i], false when that portal was full or is not installed. A full portal refuses only its own offers; the others' are queued, or leased to
     * this replica where {@code offers} holds slots and their portal is idle. Once that transaction
     * has ended, the caller calls {@link JobOffers#committed()} or {@link JobOffers#abandoned()}.
     */
    public Offered offerAll(Connection connection, JobOffers offers, String kind, List<String> memberIds,
            List<String> payloads) throws SQLException {
        return offerAll(connection, offers, kind, memberIds, payloads, Collections.nCopies(memberIds.size(), null));
    }

    /** {@link #offerAll} with the {@code traceparent} each job's run continues (null for none), index by index. */
    public Offered offerAll(Connection connection, JobOffers offers, String kind, List<String> memberIds,
            List<String> payloads, List<String> traceParents) throws SQLException {
        if (memberIds.size() != payloads.size() || memberIds.size() != traceParents.size()) {
            throw new IllegalArgumentException("one payload and one trace parent per portal");
        }
        boolean[] queued = new boolean[memberIds.size()];
        Set<String> notInstalled = new HashSet<>();
        if (queued.length == 0) {
            return new Offered(queued, notInstalled);
        }
        int cap = config.maxQueuedPerPortal();
        long bytesCap = config.maxQueuedBytesPerPortal().asLongValue();
        long now = System.nanoTime();
        Map<String, long[]> offersByPortal = new LinkedHashMap<>();
        for (int i = 0; i < memberIds.size(); i++) {
            long[] offered = offersByPortal.computeIfAbsent(memberIds.get(i), k -> new long[2]);
            offered[0]++;
            offered[1] += payloadBytes(payloads.get(i));
        }
        String[] locked = lockIdle(connection, offersByPortal.keySet(), offers.slotsLeft());
        List<String> knownIds = new ArrayList<>();
        List<Long> knownActive = new ArrayList<>();
        List<Long> knownBytes = new ArrayList<>();
        offersByPortal.forEach((memberId, offered) -> {
            PortalRoom.Count known = rooms.known(memberId, offered[0], offered[1], cap, bytesCap, now);
            if (known != null) {
                knownIds.add(memberId);
                knownActive.add(known.active());
                knownBytes.add(known.bytes());
            }
        });
        Map<String, long[]> taken = new HashMap<>();
        long sent = System.nanoTime();
        try (PreparedStatement statement = connection.prepareStatement(INSERT_ALL)) {
            statement.setArray(1, connection.createArrayOf("varchar", memberIds.toArray(new String[0])));
            statement.setArray(2, connection.createArrayOf("text", payloads.toArray(new String[0])));
            statement.setArray(3, connection.createArrayOf("varchar", traceParents.toArray(new String[0])));
            statement.setArray(4, connection.createArrayOf("varchar", knownIds.toArray(new String[0])));
            statement.setArray(5, connection.createArrayOf("int8", knownActive.toArray(new Long[0])));
            statement.setArray(6, connection.createArrayOf("int8", knownBytes.toArray(new Long[0])));
            statement.setArray(7, connection.createArrayOf("varchar", locked));
            statement.setInt(8, cap);
            statement.setInt(9, cap);
            statement.setLong(10, bytesCap);
            statement.setString(11, kind);
            statement.setString(12, locked.length == 0 ? null : offers.worker());
            statement.setDouble(13, locked.length == 0 ? 0 : offers.lease().toMillis() / 1000.0);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                // ordinality counts from 1
                for (Long ord : (Long[]) result.getArray(1).getArray()) {
                    int i = (int) (ord - 1);
                    queued[i] = true;
                    long[] took = taken.computeIfAbsent(memberIds.get(i), k -> new long[2]);
                    took[0]++;
                    took[1] += payloadBytes(payloads.get(i));
                }
                String[] counted = (String[]) result.getArray(2).getArray();
                Long[] active = (Long[]) result.getArray(3).getArray();
                Long[] bytes = (Long[]) result.getArray(8).getArray();
                for (int i = 0; i < counted.length; i++) {
                    long[] took = taken.getOrDefault(counted[i], new long[2]);
                    rooms.counted(counted[i], active[i] + took[0], bytes[i] + took[1], now);
                }
                String[] leasedPortals = (String[]) result.getArray(4).getArray();
                Long[] leasedIds = (Long[]) result.getArray(5).getArray();
                Instant createdAt = result.getTimestamp(7).toInstant();
                for (int i = 0; i < leasedIds.length; i++) {
                    // A portal's job leased at insert is its first one in the batch.
                    int first = memberIds.indexOf(leasedPortals[i]);
                    offers.leased(leasedIds[i], kind, leasedPortals[i], payloads.get(first), traceParents.get(first), createdAt, sent);
                }
                if (result.getBoolean(6)) {
                    offers.queued();
                }
                notInstalled.addAll(List.of((String[]) result.getArray(9).getArray()));
            }
        }
        knownIds.forEach(memberId -> {
            long[] took = taken.getOrDefault(memberId, new long[2]);
            rooms.took(memberId, took[0], took[1]);
        });
        return new Offered(queued, notInstalled);
    }

    /**
     * What {@link #offerAll} took: index i true when payloads[i] was queued; the portals whose offers
     * were all refused because the portal is not installed (any more) are in {@code notInstalled}, the
     * other refusals are full portals.
     */
    public record Offered(boolean[] queued, Set<String> notInstalled) {
    }

    /** What octet_length gives for the payload as PostgreSQL stores it (UTF-8). */
    private static long payloadBytes(String payload) {
        return payload == null ? 0 : payload.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Up to {@code most} of the portals whose {@link #LOCK_IDLE} lock this transaction took; none, and no statement, when {@code most} is 0. */
    private static String[] lockIdle(Connection connection, Collection<String> portals, int most) throws SQLException {
        if (most <= 0) {
            return new String[0];
        }
        String[] candidates = portals.stream().limit(most).toArray(String[]::new);
        try (PreparedStatement statement = connection.prepareStatement(LOCK_IDLE)) {
            statement.setArray(1, connection.createArrayOf("varchar", candidates));
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return (String[]) result.getArray(1).getArray();
            }
        }
    }

    private Enqueued insert(boolean capped, String kind, String memberId, String payload, String dedupKey, Duration delay) {
        Map<String, Object> values = new HashMap<>();
        values.put("kind", kind);
        values.put("memberId", memberId);
        values.put("payload", payload);
        values.put("dedupKey", dedupKey);
        values.put("delay", delay.toMillis() / 1000.0);
        values.put("traceParent", JobTraces.current());
        values.put("cap", config.maxQueuedPerPortal());
        values.put("bytesCap", config.maxQueuedBytesPerPortal().asLongValue());
        PositionalSql sql = capped ? CAPPED_JDBC : UNCAPPED_JDBC;
        // Plain JDBC on the transaction's connection: Hibernate's mapping of this scalar row cost
        // more than the statement (it built and caught an exception per query).
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

    /**
     * One announcement per transaction however many jobs it queues (a batch of events is one
     * transaction), made after it commits: job rows are invisible to every worker until then.
     */
    void announceOnce() {
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
}
