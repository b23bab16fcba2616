package io.b24bots.bot;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/** The bot rows of each portal: what was registered, with which id, and what went wrong. */
@ApplicationScoped
public class BotRegistry {

    private final EntityManager em;

    BotRegistry(EntityManager em) {
        this.em = em;
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
                .setParameter("mode", definition.eventMode())
                .executeUpdate();
        Optional<Bot> row = Bot.find("memberId = ?1 and code = ?2", memberId, definition.code()).firstResultOptional();
        row.ifPresent(bot -> {
            // A changed declaration (type, mode) shows on the admin page from the next registration on.
            bot.configId = definition.configId();
            bot.api = definition.api().value();
            bot.type = definition.type();
            bot.eventMode = definition.eventMode();
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
        if (bot.botId == null || bot.botId != botId || !Bot.REGISTERED.equals(bot.status)) {
            bot.registeredAt = now;
        }
        if (bot.botId == null || bot.botId != botId) {
            // A new bot in the portal starts reading its events from the beginning.
            bot.fetchOffset = null;
        }
        bot.botId = botId;
        bot.botObject = botObject;
        bot.status = Bot.REGISTERED;
        bot.attempts++;
        bot.lastErrorCode = null;
        bot.lastErrorText = null;
        bot.nextPollAt = now;
        bot.updatedAt = now;
    }

    /** Records a failed attempt; {@code finalFailure} turns the bot {@code failed}, otherwise it stays pending. */
    @Transactional
    public void attemptFailed(long rowId, String code, String text, boolean finalFailure) {
        Bot bot = em.find(Bot.class, rowId, LockModeType.PESSIMISTIC_WRITE);
        if (bot == null) {
            return;
        }
        bot.attempts++;
        bot.lastErrorCode = cut(code, 100);
        bot.lastErrorText = cut(text, 1000);
        if (finalFailure) {
            bot.status = Bot.FAILED;
        } else if (!Bot.REGISTERED.equals(bot.status)) {
            bot.status = Bot.PENDING;
        }
        bot.updatedAt = Instant.now();
    }

    /** Bitrix24 deleted the bot (ONIMBOTDELETE, ONIMBOTV2DELETE). */
    @Transactional
    public boolean markDeleted(String memberId, long botId) {
        return Bot.update("status = ?1, updatedAt = ?2, pollOwner = null, pollLeaseUntil = null "
                + "where memberId = ?3 and botId = ?4 and status <> ?1", Bot.DELETED, Instant.now(), memberId, botId) > 0;
    }

    /** The app was uninstalled: Bitrix24 removes its bots itself. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void portalUninstalled(String memberId, boolean purge) {
        if (purge) {
            Bot.delete("memberId", memberId);
        } else {
            Bot.update("status = ?1, updatedAt = ?2, pollOwner = null, pollLeaseUntil = null where memberId = ?3",
                    Bot.DELETED, Instant.now(), memberId);
        }
    }

    @Transactional
    public Optional<Bot> registered(String memberId, long botId) {
        return Bot.find("memberId = ?1 and botId = ?2 and status = ?3", memberId, botId, Bot.REGISTERED).firstResultOptional();
    }

    @Transactional
    public List<Long> registeredBotIds(String memberId) {
        return em.createQuery("select b.botId from Bot b where b.memberId = :m and b.botId is not null", Long.class)
                .setParameter("m", memberId)
                .getResultList();
    }

    @Transactional
    public List<Bot> forPortal(String memberId) {
        return Bot.list("memberId = ?1 order by code", memberId);
    }

    static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
