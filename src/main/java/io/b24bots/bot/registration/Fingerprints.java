package io.b24bots.bot.registration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import io.b24bots.support.SqlValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Fingerprints of what each declared bot looks like in Bitrix24: its properties, avatar, colour,
 * event mode and handler URL (the {@code properties} part) and each of its commands. Comparing
 * them with what was last applied in a portal tells what to update there, and nothing else.
 * Local settings (the handler bean, the welcome text, which group messages it sees) are not part
 * of them: they change nothing in Bitrix24.
 */
@ApplicationScoped
public class Fingerprints {

    private final String eventsUrl;
    private final Map<String, String> byCode = new TreeMap<>();
    private final String declaration;

    private final EntityManager em;

    Fingerprints(BotCatalog catalog, B24Config config, EntityManager em) {
        this.em = em;
        this.eventsUrl = PublicUrls.events(config);
        StringBuilder all = new StringBuilder();
        for (BotDefinition bot : catalog.all()) {
            byCode.put(bot.code(), bot(bot));
        }
        byCode.forEach((code, fp) -> all.append(code).append('=').append(fp).append('\n'));
        this.declaration = sha256(all.toString());
    }

    /** The whole declaration: every bot's code and fingerprint. */
    public String declaration() {
        return declaration;
    }

    /**
     * Whether this replica's declaration is the newest one started (the last replica to start
     * records its own). During a rolling deployment the replicas still running the old declaration
     * must not undo the new one: they leave updates, removals and rollouts to the new replicas.
     */
    @Transactional
    public boolean isCurrent() {
        List<?> stored = em.createNativeQuery("select fingerprint from bot_declaration where id = 1").getResultList();
        return stored.isEmpty() || declaration.equals(stored.getFirst());
    }

    /**
     * Makes this replica's declaration the current one (the last replica to start wins); true when
     * it differs from the one recorded before, which starts a rollout.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean recordAsCurrent() {
        return em.createNativeQuery("""
                insert into bot_declaration (id, fingerprint, changed_at) values (1, :fp, now())
                on conflict (id) do update set fingerprint = excluded.fingerprint, changed_at = now()
                where bot_declaration.fingerprint <> excluded.fingerprint
                """).setParameter("fp", declaration).executeUpdate() > 0;
    }

    /** Declared bot codes with their fingerprints. */
    public Map<String, String> bots() {
        return byCode;
    }

    public String of(BotDefinition bot) {
        return byCode.getOrDefault(bot.code(), bot(bot));
    }

    /** The bot's own fields and handler URL, without its commands. */
    String properties(BotDefinition bot) {
        return sha256(String.join("\u0000", List.of(bot.api().value(), bot.code(), bot.type(),
                String.valueOf(bot.eventMode()), String.valueOf(bot.name()), String.valueOf(bot.lastName()),
                String.valueOf(bot.workPosition()), String.valueOf(bot.color()), String.valueOf(bot.gender()),
                String.valueOf(bot.avatarBase64()), String.valueOf(bot.email()), String.valueOf(bot.birthday()),
                String.valueOf(bot.www()), String.valueOf(bot.openline()), String.valueOf(bot.isHidden()),
                String.valueOf(bot.isReactionsEnabled()), String.valueOf(bot.isSupportOpenline()),
                String.valueOf(bot.backgroundId()), eventsUrl)));
    }

    String command(CommandDefinition command) {
        return sha256(String.join("\u0000", List.of(command.command(), new TreeMap<>(command.title()).toString(),
                new TreeMap<>(command.params()).toString(), String.valueOf(command.common()), String.valueOf(command.hidden()),
                String.valueOf(command.extranetSupport()), eventsUrl)));
    }

    private String bot(BotDefinition bot) {
        StringBuilder text = new StringBuilder(properties(bot));
        for (CommandDefinition command : bot.commands()) {
            text.append('\n').append(command.command()).append('=').append(command(command));
        }
        return sha256(text.toString());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Who paused the rollout, and when; empty while it runs. */
    public record RolloutPause(Instant since, String by) {
    }

    @Transactional
    public Optional<RolloutPause> rolloutPause() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select paused_at, paused_by from bot_declaration where id = 1 and paused_at is not null")
                .getResultList();
        return rows.stream().findFirst().map(row -> new RolloutPause(SqlValues.instant(row[0]), (String) row[1]));
    }

    /** Pauses the rollout: no portal is queued until it is resumed; false when it was paused already. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean pauseRollout(String by) {
        return em.createNativeQuery("""
                insert into bot_declaration (id, fingerprint, changed_at, paused_at, paused_by) values (1, :fp, now(), now(), :by)
                on conflict (id) do update set paused_at = now(), paused_by = excluded.paused_by
                where bot_declaration.paused_at is null
                """).setParameter("fp", declaration).setParameter("by", by).executeUpdate() > 0;
    }

    /** Resumes the rollout; false when it was not paused. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean resumeRollout() {
        return em.createNativeQuery("update bot_declaration set paused_at = null, paused_by = null where id = 1 and paused_at is not null")
                .executeUpdate() > 0;
    }

    /** The declaration the newest replica started with: its fingerprint, and when it last changed. */
    public record Recorded(String fingerprint, Instant changedAt) {
    }

    /** Empty before the first start. */
    @Transactional
    public Optional<Recorded> recorded() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select fingerprint, changed_at from bot_declaration where id = 1").getResultList();
        return rows.stream().findFirst().map(row -> new Recorded((String) row[0], SqlValues.instant(row[1])));
    }

    /** The rollout's progress as last counted: portals in step, active portals, and when it was counted. */
    public record CountedProgress(long inStep, long active, Instant at) {
    }

    @Transactional
    public Optional<CountedProgress> countedProgress() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "select portals_in_step, portals_active, progress_at from bot_declaration where id = 1 and progress_at is not null")
                .getResultList();
        return rows.stream().findFirst().map(row -> new CountedProgress(((Number) row[0]).longValue(),
                ((Number) row[1]).longValue(), SqlValues.instant(row[2])));
    }

    /** Records a count of the rollout's progress (nothing before the first replica recorded its declaration). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordProgress(long inStep, long active) {
        em.createNativeQuery("update bot_declaration set portals_in_step = :in, portals_active = :active, progress_at = now() where id = 1")
                .setParameter("in", inStep)
                .setParameter("active", active)
                .executeUpdate();
    }
}
