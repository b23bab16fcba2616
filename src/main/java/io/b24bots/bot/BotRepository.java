package io.b24bots.bot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.support.AsynchronousCommit;
import io.b24bots.support.PlainTransaction;
import io.b24bots.support.Texts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

/** The bot rows of each portal: what was registered, with which id, and what went wrong. */
@ApplicationScoped
public class BotRepository {

    private final EntityManager em;
    private final DataSource database;

    BotRepository(EntityManager em, DataSource database) {
        this.em = em;
        this.database = database;
    }

    /**
     * The row for a declared bot in a portal, created {@code pending} on first sight; empty once the
     * portal is no longer active (an uninstall can land while a registration runs).
     */
    @Transactional
    public Optional<Bot> rowFor(String memberId, BotDefinition definition) {
        em.createNativeQuery("""
                insert into bot (member_id, config_id, code, api, type, event_mode, status, attempts, created_at, updated_at)
                select :member, :config, :code, :api, :type, :mode, 'pending', 0, now(), now()
                where exists (select 1 from portal where member_id = :member and status = 'active')
                on conflict (member_id, code) do nothing
                """)
                .setParameter("member", memberId)
                .setParameter("config", definition.configId())
                .setParameter("code", definition.code())
                .setParameter("api", definition.api().value())
                .setParameter("type", definition.type())
                .setParameter("mode", definition.eventMode() == null ? null : definition.eventMode().value())
                .executeUpdate();
        Optional<Bot> row = Bot.find("memberId = ?1 and code = ?2", memberId, definition.code()).firstResultOptional();
        row.ifPresent(bot -> {
            bot.configId = definition.configId();
            if (bot.status != BotStatus.REGISTERED) {
                // A registered bot keeps what Bitrix24 holds (its event mode decides who polls) until
                // the new declaration is applied there (applied()).
                bot.api = definition.api();
                bot.type = definition.type();
                bot.eventMode = definition.eventMode();
            }
        });
        return row;
    }

    /** Records a registration; nothing when the row was purged meanwhile (uninstall with CLEAN). */
    @Transactional
    public void registered(long rowId, long botId, String botObject) {
        Bot bot = em.find(Bot.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (bot == null) {
            return;
        }
        Instant now = Instant.now();
        if (bot.botId == null || bot.botId != botId || bot.status != BotStatus.REGISTERED) {
            bot.registeredAt = now;
        }
        if (bot.botId == null || bot.botId != botId) {
            // A new bot in the portal starts reading its events from the beginning.
            bot.fetchOffset = null;
        }
        bot.botId = botId;
        bot.botObject = botObject;
        bot.status = BotStatus.REGISTERED;
        bot.attempts++;
        bot.lastErrorCode = null;
        bot.lastErrorText = null;
        bot.nextPollAt = now;
        bot.updatedAt = now;
    }

    /**
     * Records that the declaration with {@code fingerprint} now holds in Bitrix24 for this bot; its
     * event mode takes effect (a bot switched to fetch is polled from now on).
     */
    @Transactional
    public void applied(long rowId, BotDefinition definition, String fingerprint, String state) {
        Bot bot = em.find(Bot.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (bot == null) {
            return;
        }
        if (bot.eventMode != definition.eventMode()) {
            bot.nextPollAt = Instant.now();
        }
        bot.api = definition.api();
        bot.type = definition.type();
        bot.eventMode = definition.eventMode();
        bot.appliedFingerprint = fingerprint;
        bot.appliedState = state;
        if (clearedByApply(bot.lastErrorCode)) {
            bot.lastErrorCode = null;
            bot.lastErrorText = null;
        }
        bot.updatedAt = Instant.now();
    }

    /** Errors an applied declaration clears: none of the handler's, which are about events, not registration. */
    private static boolean clearedByApply(String code) {
        return code != null && !"HANDLER_FAILED".equals(code);
    }

    /**
     * A bot no longer declared, removed from its portal (or never registered there): its row goes,
     * so declaring the code again registers it afresh.
     */
    @Transactional
    public void retired(long rowId) {
        Bot.delete("id", rowId);
    }

    /**
     * Active portals whose bots are not in step with the declaration (a declared bot without a
     * registered row, a registered one with another fingerprint, a registered one no longer declared),
     * at most {@code max}, skipping {@code busy} ones (bot work already waiting, running or just failed).
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> portalsOutOfStep(Map<String, String> declared, Set<String> busy, int max) {
        if (max <= 0) {
            return List.of();
        }
        List<String> rows = declared(em.createNativeQuery("with " + DECLARED + " select p.member_id from portal p where "
                + OUT_OF_STEP + " and p.member_id <> all(cast(:busy as text[])) order by p.member_id limit :max"), declared)
                .setParameter("busy", busy.toArray(String[]::new))
                .setParameter("max", max)
                .getResultList();
        return rows;
    }

    /**
     * How many active portals are in step with {@code declared}, and how many are active: a rollout's
     * progress. The same rule as {@link #OUT_OF_STEP}, counted from one pass over the bot rows (a probe
     * per portal and declared bot took seconds with 100,000 portals).
     */
    @Transactional
    public long[] portalsInStep(Map<String, String> declared) {
        Object[] row = (Object[]) declared(em.createNativeQuery("with " + DECLARED + """
                , per_portal as (
                    select b.member_id,
                           count(*) filter (where d.code is not null and (b.status in ('failed', 'deleted')
                               or b.turned_off_at is not null or b.status = 'registered' and b.applied_fingerprint = d.fp)) as in_step,
                           count(*) filter (where d.code is null and b.status = 'registered') as undeclared
                    from bot b left join d on d.code = b.code group by b.member_id)
                select count(*) filter (where coalesce(s.in_step, 0) = :declared and coalesce(s.undeclared, 0) = 0), count(*)
                from portal p left join per_portal s on s.member_id = p.member_id where p.status = 'active'
                """), declared).setParameter("declared", (long) declared.size()).getSingleResult();
        return new long[] {((Number) row[0]).longValue(), ((Number) row[1]).longValue()};
    }

    /** Failed bots across portals by their Bitrix24 error code (null: none recorded), most first. */
    @Transactional
    public Map<String, Long> failedByCode(int max) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select last_error_code, count(*) from bot where status = 'failed'
                group by last_error_code order by count(*) desc, last_error_code limit :max""")
                .setParameter("max", max)
                .getResultList();
        Map<String, Long> out = new LinkedHashMap<>();
        rows.forEach(row -> out.put((String) row[0], ((Number) row[1]).longValue()));
        return out;
    }

    /** The declared bots as a table {@code d(code, fp)}, for {@link #OUT_OF_STEP}. */
    private static final String DECLARED = "d as (select * from unnest(cast(:codes as text[]), cast(:prints as text[])) as t(code, fp))";

    /**
     * An active portal {@code p} is out of step when a declared bot has no row that is in step (registered
     * with the declared fingerprint, or failed, deleted or turned off: left to a person), or a bot of
     * ours is registered that is no longer declared.
     */
    private static final String OUT_OF_STEP = """
            p.status = 'active'
              and (exists (select 1 from d where not exists (select 1 from bot b
                        where b.member_id = p.member_id and b.code = d.code
                          and (b.status in ('failed', 'deleted') or b.turned_off_at is not null
                               or b.status = 'registered' and b.applied_fingerprint = d.fp)))
                   or exists (select 1 from bot b where b.member_id = p.member_id and b.status = 'registered'
                        and b.code <> all(cast(:codes as text[]))))""";

    private static Query declared(Query query, Map<String, String> declared) {
        return query.setParameter("codes", declared.keySet().toArray(String[]::new))
                .setParameter("prints", declared.values().toArray(String[]::new));
    }

    /** An update of a registered bot failed: the error is shown, the bot stays registered and keeps working. */
    @Transactional
    public void updateFailed(long rowId, String code, String text) {
        Bot.update("lastErrorCode = ?1, lastErrorText = ?2, updatedAt = ?3 where id = ?4", Texts.cut(code, 100), Texts.cut(text, 1000),
                Instant.now(), rowId);
    }

    /**
     * Forgets what was applied to the portal's bots, so the next run sends every bot's properties
     * again (an administrator's "register again" repairs a bot changed by hand in Bitrix24).
     * Command ids are kept, so commands are updated, not registered twice.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void forgetApplied(String memberId) {
        em.createNativeQuery("""
                update bot set applied_fingerprint = null,
                    applied_state = case when applied_state is null then null
                                         else jsonb_set(cast(applied_state as jsonb), '{properties}', '""')::text end
                where member_id = :m
                """).setParameter("m", memberId).executeUpdate();
    }

    /** Records a failed attempt; {@code finalFailure} turns the bot {@code failed}, otherwise it stays pending. */
    @Transactional
    public void attemptFailed(long rowId, String code, String text, boolean finalFailure) {
        Bot bot = em.find(Bot.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (bot == null) {
            return;
        }
        bot.attempts++;
        bot.lastErrorCode = Texts.cut(code, 100);
        bot.lastErrorText = Texts.cut(text, 1000);
        if (finalFailure) {
            bot.status = BotStatus.FAILED;
        } else if (bot.status != BotStatus.REGISTERED) {
            bot.status = BotStatus.PENDING;
        }
        bot.updatedAt = Instant.now();
    }

    /** A handler gave up on an event: kept on the row for the admin page until the next successful registration or update. */
    @Transactional
    public void handlerFailed(String memberId, long botId, String code, String text) {
        Bot.update("lastErrorCode = ?1, lastErrorText = ?2, updatedAt = ?3 where memberId = ?4 and botId = ?5",
                Texts.cut(code, 100), Texts.printable(text, 1000), Instant.now(), memberId, botId);
    }

    /** Bitrix24 deleted the bot (ONIMBOTDELETE, ONIMBOTV2DELETE). */
    @Transactional
    public boolean markDeleted(String memberId, long botId) {
        return Bot.update("status = ?1, updatedAt = ?2, pollOwner = null, pollLeaseUntil = null "
                + "where memberId = ?3 and botId = ?4 and status <> ?1", BotStatus.DELETED, Instant.now(), memberId, botId) > 0;
    }

    /** The app was uninstalled: Bitrix24 removes its bots itself. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void portalUninstalled(String memberId, boolean purge) {
        if (purge) {
            Bot.delete("memberId", memberId);
        } else {
            Bot.update("status = ?1, updatedAt = ?2, pollOwner = null, pollLeaseUntil = null where memberId = ?3",
                    BotStatus.DELETED, Instant.now(), memberId);
        }
    }

    @Transactional
    public Optional<Bot> registered(String memberId, long botId) {
        return Bot.find("memberId = ?1 and botId = ?2 and status = ?3", memberId, botId, BotStatus.REGISTERED).firstResultOptional();
    }

    /** The portal's bots as light rows (no entities to hydrate or flush), for the event path's BotDirectory. */
    @Transactional
    public List<BotIdentity> identities(String memberId) {
        return em.createQuery("select new io.b24bots.bot.BotIdentity(b.botId, b.code, b.status, b.api, b.eventMode) from Bot b where b.memberId = :m",
                BotIdentity.class).setParameter("m", memberId).getResultList();
    }

    @Transactional
    public Optional<Bot> byCode(String memberId, String code) {
        return Bot.find("memberId = ?1 and code = ?2", memberId, code).firstResultOptional();
    }

    /** Portals where the bot with this code is registered, by member_id after {@code after}, at most {@code limit}. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> registeredIn(String code, String after, int limit) {
        return em.createNativeQuery("select member_id from bot where code = :code and status = 'registered' and turned_off_at is null "
                + "and member_id > :after order by member_id limit :limit")
                .setParameter("code", code).setParameter("after", after == null ? "" : after).setParameter("limit", limit)
                .getResultList();
    }

    @Transactional
    public List<Bot> forPortal(String memberId) {
        return Bot.list("memberId = ?1 order by code", memberId);
    }

    /**
     * Leases up to {@code max} fetch-mode bots whose poll is due to {@code owner}, one replica per
     * bot: rows taken with SKIP LOCKED, held until the lease runs out unless released first.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    @SuppressWarnings("unchecked")
    public List<FetchLease> leaseDueForFetch(String owner, Duration lease, int max) {
        commitAsynchronously();
        List<Object[]> rows = em.createNativeQuery("""
                update bot set poll_owner = :owner, poll_lease_until = now() + make_interval(secs => :lease)
                where id in (
                    select id from bot
                    where status = 'registered' and api = 'v2' and event_mode = 'fetch' and bot_id is not null
                      and (next_poll_at is null or next_poll_at <= now())
                      and (poll_lease_until is null or poll_lease_until < now())
                    order by next_poll_at nulls first
                    limit :max
                    for update skip locked)
                returning id, member_id, bot_id, fetch_offset, quiet_polls
                """)
                .setParameter("owner", owner)
                .setParameter("lease", (double) lease.toSeconds())
                .setParameter("max", max)
                .getResultList();
        return rows.stream().map(r -> new FetchLease(((Number) r[0]).longValue(), (String) r[1], ((Number) r[2]).longValue(),
                r[3] == null ? null : ((Number) r[3]).longValue(), ((Number) r[4]).intValue())).toList();
    }

    /**
     * Stores the offset and the count of quiet polls after a page and ends the lease, in the caller's
     * transaction (the one that queues the page's events); false when the lease is no longer {@code owner}'s.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean advanceFetch(long rowId, String owner, long offset, int quietPolls, Instant nextPoll) {
        return em.unwrap(Session.class)
                .doReturningWork(connection -> storeFetch(connection, rowId, owner, offset, quietPolls, nextPoll));
    }

    /**
     * {@link #advanceFetch} for a page without events, in a plain JDBC transaction of its own that
     * commits asynchronously (see {@link #commitAsynchronously}): an idle fleet's polls are nearly all
     * of this kind, and through the ORM and the transaction manager each cost more than its call.
     */
    public boolean advanceQuietFetch(long rowId, String owner, long offset, int quietPolls, Instant nextPoll) {
        return PlainTransaction.run(database, "store a quiet poll", connection -> {
            AsynchronousCommit.of(connection);
            return storeFetch(connection, rowId, owner, offset, quietPolls, nextPoll);
        });
    }

    private static boolean storeFetch(Connection connection, long rowId, String owner, long offset, int quietPolls,
            Instant nextPoll) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("""
                update bot set fetch_offset = ?, quiet_polls = ?, next_poll_at = ?, poll_owner = null,
                    poll_lease_until = null
                where id = ? and poll_owner = ? and status = 'registered'
                """)) {
            update.setLong(1, offset);
            update.setInt(2, quietPolls);
            update.setObject(3, nextPoll.atOffset(ZoneOffset.UTC));
            update.setLong(4, rowId);
            update.setString(5, owner);
            return update.executeUpdate() == 1;
        }
    }

    /** Ends a poll lease without reading anything; the bot is due again at {@code nextPoll}. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void releaseFetch(long rowId, String owner, Instant nextPoll) {
        commitAsynchronously();
        em.createNativeQuery("""
                update bot set next_poll_at = :next, poll_owner = null, poll_lease_until = null
                where id = :id and poll_owner = :owner
                """)
                .setParameter("next", nextPoll)
                .setParameter("id", rowId)
                .setParameter("owner", owner)
                .executeUpdate();
    }

    /**
     * The current transaction records only polling bookkeeping (leases, next poll times), and
     * fleet-wide polls make many such commits: see {@link AsynchronousCommit}. A lost one only makes
     * a bot due again sooner.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void commitAsynchronously() {
        em.unwrap(Session.class).doWork(AsynchronousCommit::of);
    }

    /** A bot row of this portal (actions name rows; another portal's row is never found). */
    @Transactional
    public Optional<Bot> row(String memberId, long rowId) {
        return Bot.find("id = ?1 and memberId = ?2", rowId, memberId).firstResultOptional();
    }

    /** Marks every bot of the portal that is not registered, nor turned off, as pending (a re-registration is queued). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void markUnregisteredPending(String memberId) {
        Bot.update("status = ?1, updatedAt = ?2 where memberId = ?3 and status <> ?4 and turnedOffAt is null", BotStatus.PENDING,
                Instant.now(), memberId, BotStatus.REGISTERED);
    }

}
