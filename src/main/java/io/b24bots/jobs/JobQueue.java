package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.b24bots.support.GenericPlans;
import io.b24bots.support.JobTraces;
import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

/** Puts work on the durable queue inside the caller's transaction, so work and data commit together. */
@Singleton
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
    static final String CAPPED = INSERT.formatted("""
            (select count(*) from (select 1 from job where member_id = :memberId and status = 'queued'
                                   union all
                                   select 1 from job where member_id = :memberId and status = 'running'
                                   limit :cap) active) < :cap
            and (select coalesce(sum(octet_length(payload)), 0) from job where member_id = :memberId and status = 'queued')
                + coalesce(octet_length(cast(:payload as text)), 0) <= :bytesCap""");
    private static final String UNCAPPED = INSERT.formatted("true");
    /*
     * A single offer's counts read the job table through the indexes however the plan PostgreSQL keeps
     * for it was made (GenericPlans: one made on an empty table scanned the whole queue for each offer).
     */
    private static final PositionalSql CAPPED_JDBC = PositionalSql.of(GenericPlans.indexedAround(CAPPED));
    private static final PositionalSql UNCAPPED_JDBC = PositionalSql.of(GenericPlans.indexedAround(UNCAPPED));

    /*
     * offerAll's one round trip for a whole batch: two statements sent together (pgjdbc sends a
     * statement text holding two as one message train with one Sync), which on a connection in
     * auto-commit PostgreSQL runs as one implicit transaction and commits at that Sync. So an intake
     * batch is one round trip and one commit, however many events it holds.
     *
     * The first statement keeps the second on its generic plan for this transaction only, a plan that
     * reads the job table through its indexes however empty it was when planned (GenericPlans): PostgreSQL
     * re-plans a prepared statement on every execution when the table's statistics make the generic
     * plan look dearer, as they did after a large backlog drained, and re-planning the insert on every
     * batch then cost more than running it, for a plan no better than the generic one. It also takes a
     * transaction-level advisory lock for each portal this worker may lease a job of at insert
     * ("leasable", handed to the second statement through a transaction-local setting). Two
     * transactions inserting for the same portal at once (two writers, two replicas) cannot both hold
     * it, and the second statement takes its snapshot after the lock was taken, so it sees a job the
     * lock's previous holder committed. So a portal never has two jobs leased at insert, nor one beside
     * a queued or running job: its jobs still run one at a time, in order. A portal whose lock is held
     * elsewhere queues its job as usual. The two-key form keeps these apart from other advisory locks.
     */
    private static final String PREPARE_BATCH = """
            select %s,
                   set_config('b24.leasable', array_to_string(array(select m from unnest(cast(? as varchar[])) as t(m)
                                                                    where pg_try_advisory_xact_lock(%d, hashtext(m))), ' '), true)"""
            .formatted(GenericPlans.INDEXED, 0x6A6F6273);

    /*
     * The batch's offers, one text for every size (array parameters, so PostgreSQL plans it once per
     * connection). An offer with a once-key (an event's dedup hash) is taken only the first time that
     * key is offered within event_dedup's window: its mark is written with the job, in this statement,
     * and a key offered twice in the batch is taken at its first place only. Each portal's room is
     * counted once, as in INSERT, with the bytes of its queued payloads, unless this replica counted it
     * a moment ago far below both caps ("known", see PortalRoom); an offer is taken when the portal is
     * installed and its active jobs and queued bytes plus its earlier offers in the batch leave room,
     * exactly what offering them one by one in this order would do. A mark another transaction wrote
     * meanwhile makes the offer a duplicate (the insert waits for that transaction, then skips the
     * key). The rows are inserted in batch order so ids, and so the order a portal's jobs are claimed
     * in, follow arrival. A leasable portal with no job queued or running is "idle": its first job of
     * the batch is inserted running, leased to this worker (JobOffers), and needs no count. "idle" is
     * materialized: inlined into the room's join, its two lookups per portal ran again for every
     * portal of the batch.
     */
    static final String INSERT_ALL = """
            with input as (
                select t.member_id, t.payload, t.trace_parent, t.once_key, t.ord,
                       row_number() over (partition by t.once_key order by t.ord) as copy
                from unnest(cast(? as varchar[]), cast(? as text[]), cast(? as varchar[]), cast(? as bytea[]))
                     with ordinality as t(member_id, payload, trace_parent, once_key, ord)
            ), offered as (
                select i.member_id, i.payload, i.trace_parent, i.once_key, i.ord,
                       row_number() over (partition by i.member_id order by i.ord) as place,
                       sum(octet_length(i.payload)) over (partition by i.member_id order by i.ord) as bytes_so_far
                from input i
                where i.once_key is null
                   or (i.copy = 1 and not exists (select 1 from event_dedup d where d.hash = i.once_key))
            ), known as (
                select k.member_id, k.active, k.bytes
                from unnest(cast(? as varchar[]), cast(? as bigint[]), cast(? as bigint[])) as k(member_id, active, bytes)
            ), idle as materialized (
                select l.member_id from unnest(string_to_array(current_setting('b24.leasable', true), ' ')) as l(member_id)
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
                select o.ord, o.member_id, o.payload, o.trace_parent, o.once_key, r.idle and o.place = 1 as leased
                from offered o join room r on r.member_id = o.member_id
                where r.installed and r.active + o.place <= ? and r.bytes + o.bytes_so_far <= ?
            ), marked as (
                insert into event_dedup (hash, received_at) select once_key, now() from taken where once_key is not null
                on conflict (hash) do nothing
                returning hash
            ), accepted as (
                select t.* from taken t where t.once_key is null or t.once_key in (select hash from marked)
            ), added as (
                insert into job (kind, member_id, payload, status, locked_by, locked_until, attempts, run_at, created_at, updated_at,
                                 trace_parent)
                select cast(? as varchar), member_id, payload,
                       case when leased then 'running' else 'queued' end,
                       case when leased then cast(? as varchar) end,
                       case when leased then now() + make_interval(secs => ?) end,
                       case when leased then 1 else 0 end,
                       now(), now(), now(), trace_parent
                from accepted order by ord
                returning id, member_id, status
            )
            select array(select ord from accepted order by ord),
                   array(select member_id from room where counted order by member_id),
                   array(select active from room where counted order by member_id),
                   array(select member_id from added where status = 'running' order by id),
                   array(select id from added where status = 'running' order by id),
                   exists (select 1 from accepted where not leased),
                   now(),
                   array(select bytes from room where counted order by member_id),
                   array(select member_id from room where not installed),
                   array(select ord from offered o where not exists (select 1 from taken t where t.ord = o.ord) order by ord)
            """;

    private static final String OFFER_ALL = PREPARE_BATCH + ";\n" + INSERT_ALL;

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
     * Offers many jobs of one kind in one round trip, with {@link #offer}'s per-portal cap and no
     * dedup key, on {@code connection} (a plain JDBC one: the intake's batches skip the transaction
     * manager and the ORM session), for portals that are installed when the statement runs: an
     * uninstall committed by any replica a moment ago is seen here whether or not this replica has
     * heard of it yet. In auto-commit the offers commit by themselves, in that same round trip;
     * otherwise they are part of the caller's transaction. Index i of {@link Offered#queued()} is true
     * when payloads[i] was queued for memberIds[i]. A full portal refuses only its own offers; the
     * others' are queued, or leased to this replica where {@code offers} holds slots and their portal
     * is idle. Once the transaction has ended, the caller calls {@link JobOffers#committed()} or
     * {@link JobOffers#abandoned()}.
     */
    public Offered offerAll(Connection connection, JobOffers offers, String kind, List<String> memberIds,
            List<String> payloads) throws SQLException {
        int size = memberIds.size();
        return offerAll(connection, offers, kind, memberIds, payloads, Collections.nCopies(size, null), Collections.nCopies(size, null));
    }

    /**
     * {@link #offerAll}, with the {@code traceparent} each job's run continues (null for none) and
     * each offer's once-key (null for none), index by index. An offer with a once-key is taken only
     * the first time the key is offered in event_dedup's window (24 hours, see EventDedup, which owns
     * the marks' reading and pruning; its mark is written here, with the job, in the same statement):
     * otherwise it is neither queued nor refused ({@link Offered#refused()}), a duplicate.
     */
    public Offered offerAll(Connection connection, JobOffers offers, String kind, List<String> memberIds,
            List<String> payloads, List<String> traceParents, List<byte[]> onceKeys) throws SQLException {
        int size = memberIds.size();
        if (payloads.size() != size || traceParents.size() != size || onceKeys.size() != size) {
            throw new IllegalArgumentException("one payload, trace parent and once-key per portal");
        }
        boolean[] queued = new boolean[size];
        boolean[] refused = new boolean[size];
        Set<String> notInstalled = new HashSet<>();
        if (size == 0) {
            return new Offered(queued, refused, notInstalled);
        }
        int cap = config.maxQueuedPerPortal();
        long bytesCap = config.maxQueuedBytesPerPortal().asLongValue();
        long now = System.nanoTime();
        Map<String, long[]> offersByPortal = new LinkedHashMap<>();
        long[] payloadBytes = new long[size];
        for (int i = 0; i < size; i++) {
            payloadBytes[i] = payloadBytes(payloads.get(i));
            long[] offered = offersByPortal.computeIfAbsent(memberIds.get(i), k -> new long[2]);
            offered[0]++;
            offered[1] += payloadBytes[i];
        }
        int slots = offers.slotsLeft();
        String[] leasable = slots <= 0 ? new String[0] : offersByPortal.keySet().stream().limit(slots).toArray(String[]::new);
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
        try (PreparedStatement statement = connection.prepareStatement(OFFER_ALL)) {
            // Java arrays go as binary array parameters: createArrayOf would write each as an escaped text
            // literal, every payload character by character, for PostgreSQL to parse back the same way.
            statement.setObject(1, leasable);
            statement.setObject(2, memberIds.toArray(new String[0]));
            statement.setObject(3, payloads.toArray(new String[0]));
            statement.setObject(4, traceParents.toArray(new String[0]));
            statement.setObject(5, onceKeys.toArray(new byte[0][]));
            statement.setObject(6, knownIds.toArray(new String[0]));
            statement.setObject(7, knownActive.stream().mapToLong(Long::longValue).toArray());
            statement.setObject(8, knownBytes.stream().mapToLong(Long::longValue).toArray());
            statement.setInt(9, cap);
            statement.setInt(10, cap);
            statement.setLong(11, bytesCap);
            statement.setString(12, kind);
            statement.setString(13, leasable.length == 0 ? null : offers.worker());
            statement.setDouble(14, leasable.length == 0 ? 0 : offers.lease().toMillis() / 1000.0);
            statement.execute();
            if (!statement.getMoreResults()) {
                throw new SQLException("the batch's insert returned no row");
            }
            try (ResultSet result = statement.getResultSet()) {
                result.next();
                // ordinality counts from 1
                for (Long ord : (Long[]) result.getArray(1).getArray()) {
                    int i = (int) (ord - 1);
                    queued[i] = true;
                    long[] took = taken.computeIfAbsent(memberIds.get(i), k -> new long[2]);
                    took[0]++;
                    took[1] += payloadBytes[i];
                }
                for (Long ord : (Long[]) result.getArray(10).getArray()) {
                    refused[(int) (ord - 1)] = true;
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
                    // A portal's job leased at insert is its first one taken in the batch.
                    int first = firstQueued(memberIds, queued, leasedPortals[i]);
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
        return new Offered(queued, refused, notInstalled);
    }

    private static int firstQueued(List<String> memberIds, boolean[] queued, String memberId) {
        for (int i = 0; i < queued.length; i++) {
            if (queued[i] && memberIds.get(i).equals(memberId)) {
                return i;
            }
        }
        throw new IllegalStateException("a job leased at insert that was not queued");
    }

    /**
     * What {@link #offerAll} took: index i of {@code queued} is true when payloads[i] was queued, of
     * {@code refused} when its portal was full or is not installed (any more); those portals whose
     * offers were refused because they are not installed are in {@code notInstalled}. An offer neither
     * queued nor refused was a duplicate of its once-key.
     */
    public record Offered(boolean[] queued, boolean[] refused, Set<String> notInstalled) {
    }

    /** What octet_length gives for the payload as PostgreSQL stores it (UTF-8), counted without encoding it. */
    static long payloadBytes(String payload) {
        if (payload == null) {
            return 0;
        }
        long bytes = payload.length();
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c >= 0x80) {
                // Two bytes below U+0800; three above, except each half of a surrogate pair, which makes four together.
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
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
                statement.execute();
                if (!statement.getMoreResults()) {
                    throw new SQLException("the offer returned no row");
                }
                try (ResultSet result = statement.getResultSet()) {
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
