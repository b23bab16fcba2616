package io.b24bots.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Recognises an event delivered twice: the hash of member_id, event name and the canonical
 * {@code data} is remembered for 24 hours, across all replicas.
 */
@ApplicationScoped
public class EventDedup {

    private final EntityManager em;
    private final ObjectMapper json;

    EventDedup(EntityManager em, ObjectMapper json) {
        this.em = em;
        this.json = json;
    }

    /** True the first time this event is seen; false for a repeat. Part of the caller's transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstDelivery(String memberId, String event, Map<String, Object> canonicalData) {
        byte[] hash = hash(memberId, event, canonicalData);
        return em.createNativeQuery(
                "insert into event_dedup (hash, received_at) values (:hash, now()) on conflict (hash) do nothing")
                .setParameter("hash", hash)
                .executeUpdate() == 1;
    }

    @Scheduled(every = "1h", delayed = "10m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetOld() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "delete from event_dedup where received_at < now() - interval '24 hours'").executeUpdate());
    }

    private byte[] hash(String memberId, String event, Map<String, Object> canonicalData) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(memberId.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(event.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(json.writeValueAsBytes(canonicalData));
            return digest.digest();
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
