package io.b24bots.bot.state;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.bot.handler.DialogState;
import io.b24bots.install.PortalUninstalled;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The {@code dialog_state} table: what bots remember of their dialogs. {@link #of} gives the state of
 * one dialog of one bot, for handlers ({@code chat.state()}) and for code that writes first.
 */
@ApplicationScoped
public class DialogStates {

    /** A value larger than this is refused: it is a conversation's memory, not a store for data. */
    public static final int MAX_CHARS = 64 * 1024;
    /** Writers that keep coming first make {@link DialogState#update} give up after this many tries. */
    static final int TRIES = 20;

    private final EntityManager em;
    private final ObjectMapper json;

    DialogStates(EntityManager em, ObjectMapper json) {
        this.em = em;
        this.json = json;
    }

    /** The state of one dialog of one bot in one portal. */
    public DialogState of(String memberId, String botCode, String dialogId) {
        return new Dialog(memberId, botCode, dialogId);
    }

    /** A value and the version it was read at. */
    record Stored(JsonNode value, long version) {
    }

    @Transactional
    Optional<Stored> read(String memberId, String botCode, String dialogId) {
        List<?> rows = em.createNativeQuery("select value, version from dialog_state where member_id = :m and bot_code = :b "
                + "and dialog_id = :d and expires_at > now()")
                .setParameter("m", memberId).setParameter("b", botCode).setParameter("d", dialogId).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] row = (Object[]) rows.getFirst();
        try {
            return Optional.of(new Stored(json.readTree((String) row[0]), ((Number) row[1]).longValue()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dialog_state holds a value that is not JSON", e);
        }
    }

    /**
     * Writes {@code value} if the row is still at {@code version} (0: there was none, or it expired);
     * false when another writer came first.
     */
    @Transactional
    boolean write(String memberId, String botCode, String dialogId, String value, long version, Duration keep) {
        return em.createNativeQuery("""
                insert into dialog_state (member_id, bot_code, dialog_id, value, version, expires_at, updated_at)
                values (:m, :b, :d, :value, :version + 1, now() + make_interval(secs => :keep), now())
                on conflict (member_id, bot_code, dialog_id) do update
                    set value = excluded.value, version = excluded.version, expires_at = excluded.expires_at, updated_at = now()
                    where dialog_state.version = :version or (:version = 0 and dialog_state.expires_at <= now())
                """)
                .setParameter("m", memberId).setParameter("b", botCode).setParameter("d", dialogId)
                .setParameter("value", value).setParameter("version", version).setParameter("keep", (double) keep.toMillis() / 1000)
                .executeUpdate() == 1;
    }

    @Transactional
    void delete(String memberId, String botCode, String dialogId) {
        em.createNativeQuery("delete from dialog_state where member_id = :m and bot_code = :b and dialog_id = :d")
                .setParameter("m", memberId).setParameter("b", botCode).setParameter("d", dialogId).executeUpdate();
    }

    /** What expired is gone for the readers already; this frees its room. */
    @Scheduled(every = "10m", delayed = "2m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void forgetExpired() {
        em.createNativeQuery("delete from dialog_state where expires_at <= now()").executeUpdate();
    }

    /** A portal's data purged (a confirmed uninstall with CLEAN): its bots' memories go too. */
    void uninstalled(@Observes PortalUninstalled event) {
        if (event.clean()) {
            em.createNativeQuery("delete from dialog_state where member_id = :m").setParameter("m", event.memberId()).executeUpdate();
        }
    }

    private final class Dialog implements DialogState {
        private final String memberId;
        private final String botCode;
        private final String dialogId;

        private Dialog(String memberId, String botCode, String dialogId) {
            this.memberId = memberId;
            this.botCode = botCode;
            this.dialogId = dialogId;
        }

        @Override
        public Optional<JsonNode> get() {
            return read(memberId, botCode, dialogId).map(Stored::value);
        }

        @Override
        public JsonNode update(UnaryOperator<JsonNode> change, Duration keep) {
            if (keep == null || keep.isNegative() || keep.isZero()) {
                throw new IllegalArgumentException("a dialog's state is kept for a positive time");
            }
            for (int i = 0; i < TRIES; i++) {
                Optional<Stored> current = read(memberId, botCode, dialogId);
                JsonNode next = change.apply(current.map(stored -> (JsonNode) stored.value().deepCopy()).orElse(null));
                if (next == null) {
                    delete(memberId, botCode, dialogId);
                    return null;
                }
                String text = next.toString();
                if (text.length() > MAX_CHARS) {
                    throw new IllegalArgumentException("a dialog's state is at most " + MAX_CHARS + " characters of JSON");
                }
                if (write(memberId, botCode, dialogId, text, current.map(Stored::version).orElse(0L), keep)) {
                    return next;
                }
            }
            throw new IllegalStateException("the dialog's state kept changing under this update; try again");
        }

        @Override
        public void clear() {
            delete(memberId, botCode, dialogId);
        }
    }
}
