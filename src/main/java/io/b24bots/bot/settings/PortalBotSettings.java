package io.b24bots.bot.settings;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.SettingDefinition;
import io.b24bots.bot.handler.BotSettings;
import io.b24bots.install.PortalUninstalled;
import io.b24bots.support.SqlValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The {@code bot_setting} and {@code bot_setting_change} tables: each portal's values of its bots'
 * declared settings, and every change of them (who, when, from what to what).
 */
@ApplicationScoped
public class PortalBotSettings {

    private final EntityManager em;

    PortalBotSettings(EntityManager em) {
        this.em = em;
    }

    /** One change of a setting, as the admin page lists it. */
    public record Change(String botCode, String key, String oldValue, String newValue, long userId, Instant at) {
    }

    /** The bot's settings in the portal, as its handler reads them. */
    public BotSettings of(String memberId, BotDefinition bot) {
        Map<String, String> stored = stored(memberId, bot.code());
        return new BotSettings() {
            @Override
            public String text(String key) {
                SettingDefinition setting = bot.setting(key)
                        .orElseThrow(() -> new IllegalArgumentException("Bot " + bot.code() + " declares no setting " + key));
                return stored.getOrDefault(key, setting.defaultValue());
            }

            @Override
            public long number(String key) {
                return Long.parseLong(text(key));
            }

            @Override
            public boolean flag(String key) {
                return Boolean.parseBoolean(text(key));
            }
        };
    }

    /** The bot's declared settings with their current values in the portal, in declaration order. */
    public Map<SettingDefinition, String> current(String memberId, BotDefinition bot) {
        Map<String, String> stored = stored(memberId, bot.code());
        Map<SettingDefinition, String> out = new LinkedHashMap<>();
        bot.settings().forEach(setting -> out.put(setting, stored.getOrDefault(setting.key(), setting.defaultValue())));
        return out;
    }

    /**
     * Stores the values an administrator submitted, each checked against its declaration, and records
     * every one that changed; {@link IllegalArgumentException} (nothing stored) for a value the setting
     * does not take. Returns the changes.
     */
    @Transactional
    public List<Change> change(String memberId, BotDefinition bot, Map<String, String> values, long userId) {
        Map<String, String> checked = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            SettingDefinition setting = bot.setting(key)
                    .orElseThrow(() -> new IllegalArgumentException("The bot has no setting " + key));
            checked.put(key, setting.check(value));
        });
        Map<String, String> current = new LinkedHashMap<>();
        current(memberId, bot).forEach((setting, value) -> current.put(setting.key(), value));
        List<Change> changes = new ArrayList<>();
        checked.forEach((key, value) -> {
            String old = current.get(key);
            if (value.equals(old)) {
                return;
            }
            em.createNativeQuery("""
                    insert into bot_setting (member_id, bot_code, key, value, updated_by, updated_at)
                    values (:m, :b, :k, :v, :u, now())
                    on conflict (member_id, bot_code, key) do update set value = excluded.value, updated_by = excluded.updated_by,
                        updated_at = excluded.updated_at
                    """).setParameter("m", memberId).setParameter("b", bot.code()).setParameter("k", key).setParameter("v", value)
                    .setParameter("u", userId).executeUpdate();
            em.createNativeQuery("""
                    insert into bot_setting_change (member_id, bot_code, key, old_value, new_value, user_id, changed_at)
                    values (:m, :b, :k, :old, :v, :u, now())
                    """).setParameter("m", memberId).setParameter("b", bot.code()).setParameter("k", key).setParameter("old", old)
                    .setParameter("v", value).setParameter("u", userId).executeUpdate();
            changes.add(new Change(bot.code(), key, old, value, userId, Instant.now()));
        });
        return changes;
    }

    /** The portal's latest setting changes, newest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Change> history(String memberId, int max) {
        List<Object[]> rows = em.createNativeQuery("select bot_code, key, old_value, new_value, user_id, changed_at "
                + "from bot_setting_change where member_id = :m order by changed_at desc, id desc limit :max")
                .setParameter("m", memberId).setParameter("max", max).getResultList();
        return rows.stream().map(row -> new Change((String) row[0], (String) row[1], (String) row[2], (String) row[3],
                ((Number) row[4]).longValue(), SqlValues.instant(row[5]))).toList();
    }

    /** A portal's data purged (a confirmed uninstall with CLEAN): its settings and their history go too. */
    void uninstalled(@Observes PortalUninstalled event) {
        if (event.clean()) {
            em.createNativeQuery("delete from bot_setting where member_id = :m").setParameter("m", event.memberId()).executeUpdate();
            em.createNativeQuery("delete from bot_setting_change where member_id = :m").setParameter("m", event.memberId())
                    .executeUpdate();
        }
    }

    @Transactional
    @SuppressWarnings("unchecked")
    Map<String, String> stored(String memberId, String botCode) {
        Map<String, String> out = new LinkedHashMap<>();
        List<Object[]> rows = em.createNativeQuery("select key, value from bot_setting where member_id = :m and bot_code = :b")
                .setParameter("m", memberId).setParameter("b", botCode).getResultList();
        rows.forEach(row -> out.put((String) row[0], (String) row[1]));
        return out;
    }

}
