package io.b24bots.bot.sending;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.b24bots.install.PortalUninstalled;
import io.b24bots.jobs.JobsConfig;
import io.b24bots.support.SqlValues;
import io.b24bots.support.Texts;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** The {@code outgoing_message} table: one receipt per message a bot sends on its own. */
@ApplicationScoped
public class Receipts {

    private static final String COLUMNS = "id, member_id, bot_code, dialog_id, state, bitrix_message_id, error_code, error_text, "
            + "created_at, updated_at";

    private final EntityManager em;
    private final JobsConfig jobs;

    Receipts(EntityManager em, JobsConfig jobs) {
        this.em = em;
        this.jobs = jobs;
    }

    /** A new receipt, or none when the caller already sent this idempotency key for the portal. */
    @Transactional(Transactional.TxType.MANDATORY)
    Optional<UUID> create(String memberId, String botCode, String dialogId, String message, String requestedBy,
            String idempotencyKey) {
        UUID id = UUID.randomUUID();
        int inserted = em.createNativeQuery("""
                insert into outgoing_message (id, member_id, bot_code, dialog_id, message, state, requested_by, idempotency_key,
                                              created_at, updated_at)
                values (:id, :member, :bot, :dialog, :message, 'queued', :by, :key, now(), now())
                on conflict (requested_by, member_id, idempotency_key) where idempotency_key is not null do nothing
                """)
                .setParameter("id", id).setParameter("member", memberId).setParameter("bot", botCode)
                .setParameter("dialog", dialogId).setParameter("message", message).setParameter("by", requestedBy)
                .setParameter("key", idempotencyKey)
                .executeUpdate();
        return inserted == 1 ? Optional.of(id) : Optional.empty();
    }

    /** The receipt the caller got for this idempotency key, if any. */
    @Transactional
    Optional<Receipt> byIdempotencyKey(String requestedBy, String memberId, String idempotencyKey) {
        return first(em.createNativeQuery("select " + COLUMNS + " from outgoing_message where requested_by = :by "
                + "and member_id = :member and idempotency_key = :key")
                .setParameter("by", requestedBy).setParameter("member", memberId).setParameter("key", idempotencyKey)
                .getResultList());
    }

    @Transactional
    public Optional<Receipt> find(UUID id) {
        return first(em.createNativeQuery("select " + COLUMNS + " from outgoing_message where id = :id")
                .setParameter("id", id).getResultList());
    }

    /** Who asked for the message (an API key's name, or the application), for those who may read it. */
    @Transactional
    public Optional<String> requestedBy(UUID id) {
        List<?> rows = em.createNativeQuery("select requested_by from outgoing_message where id = :id")
                .setParameter("id", id).getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of((String) rows.getFirst());
    }

    /** The message form to send, while it is still to be sent. */
    @Transactional
    Optional<Object[]> pending(UUID id) {
        List<?> rows = em.createNativeQuery("select bot_code, dialog_id, message from outgoing_message where id = :id "
                + "and state = 'queued'").setParameter("id", id).getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of((Object[]) rows.getFirst());
    }

    @Transactional
    void sent(UUID id, long messageId) {
        em.createNativeQuery("update outgoing_message set state = 'sent', bitrix_message_id = :message, error_code = null, "
                + "error_text = null, updated_at = now() where id = :id")
                .setParameter("message", messageId == 0 ? null : messageId).setParameter("id", id).executeUpdate();
    }

    /** A failure: the message is given up ({@code last}) or stays queued for its next run. */
    @Transactional
    void failed(UUID id, String code, String text, boolean last) {
        em.createNativeQuery("update outgoing_message set state = :state, error_code = :code, error_text = :text, "
                + "updated_at = now() where id = :id")
                .setParameter("state", last ? MessageState.FAILED.columnValue() : MessageState.QUEUED.columnValue())
                .setParameter("code", Texts.cut(code, 100)).setParameter("text", Texts.cut(text, 1000))
                .setParameter("id", id).executeUpdate();
    }

    /** Receipts are read back for as long as the queue keeps finished jobs. */
    @Scheduled(every = "1h", delayed = "10m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void forgetOld() {
        em.createNativeQuery("delete from outgoing_message where created_at < now() - make_interval(secs => :age)")
                .setParameter("age", (double) jobs.retention().toSeconds()).executeUpdate();
    }

    /** A portal's data purged (a confirmed uninstall with CLEAN): its messages' receipts go too. */
    void uninstalled(@Observes PortalUninstalled event) {
        if (event.clean()) {
            em.createNativeQuery("delete from outgoing_message where member_id = :m").setParameter("m", event.memberId()).executeUpdate();
        }
    }

    private static Optional<Receipt> first(List<?> rows) {
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] row = (Object[]) rows.getFirst();
        return Optional.of(new Receipt((UUID) row[0], (String) row[1], (String) row[2], (String) row[3],
                MessageState.of((String) row[4]), row[5] == null ? null : ((Number) row[5]).longValue(), (String) row[6],
                (String) row[7], SqlValues.instant(row[8]), SqlValues.instant(row[9])));
    }

}
