package io.b24bots.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;

import io.b24bots.bot.messaging.MessageDedup;
import io.b24bots.bot.messaging.MessageIdentity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

/**
 * Recognises an event delivered twice: the hash of member_id, event name and the canonical
 * {@code data} is remembered for 24 hours, across all replicas. A new message is known by its
 * {@link MessageIdentity} instead, so its copies by every delivery path (v1 and v2 webhooks, fetching)
 * are one. The marks of webhook deliveries are written with their jobs, in one statement
 * (JobQueue#offerAll); this class writes the fetch path's, and forgets marks after 24 hours.
 */
@Singleton
public class EventDedup implements MessageDedup {

    private final EntityManager em;

    EventDedup(EntityManager em) {
        this.em = em;
    }

    /** For the fetch path, in its JTA transaction: the session's connection takes the mark. */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstDelivery(String memberId, String identity) {
        byte[] hash = hash(memberId, MESSAGE, identity);
        return em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "insert into event_dedup (hash, received_at) values (?, now()) on conflict (hash) do nothing")) {
                statement.setBytes(1, hash);
                return statement.executeUpdate() == 1;
            }
        });
    }

    /** The event name a message's identity is hashed under, whatever its delivery's event name. */
    static final String MESSAGE = "message";

    @Scheduled(every = "1h", delayed = "10m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetOld() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "delete from event_dedup where received_at < now() - interval '24 hours'").executeUpdate());
    }

    /** The event's identity: member_id, event name and the canonical {@code data} as JSON. */
    public byte[] hash(String memberId, String event, String canonicalDataJson) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(memberId.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(event.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(canonicalDataJson.getBytes(StandardCharsets.UTF_8));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
