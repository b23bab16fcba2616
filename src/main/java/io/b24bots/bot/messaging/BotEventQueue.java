package io.b24bots.bot.messaging;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.b24bots.jobs.JobOffers;
import io.b24bots.jobs.JobQueue;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

/**
 * Takes bot events in (webhook deliveries and fetched ones) and queues them durably, so the
 * answer to Bitrix24 goes out at once and the bot's reply is sent from the queue.
 */
@Singleton
public class BotEventQueue {

    public static final String KIND = "bot-event";

    private final JobQueue jobs;
    private final ObjectMapper json;
    private final BotDirectory directory;

    /**
     * A webhook event for {@link #acceptAll}: its {@code data}, already stripped of tokens, as JSON, and
     * its dedup hash (taken only the first time it is offered, see JobQueue#offerAll).
     */
    public record WebhookEvent(String memberId, String event, String dataJson, String traceParent, byte[] dedupHash) {
    }

    BotEventQueue(JobQueue jobs, ObjectMapper json, BotDirectory directory) {
        this.jobs = jobs;
        this.json = json;
        this.directory = directory;
    }

    /**
     * Whether a webhook delivery names a registered bot of the portal that takes it
     * ({@link io.b24bots.bot.BotIdentity#takesWebhook}): events for bots that are not ours, for a
     * fetch-mode bot (which reads its own events) or in another API's format are ignored before anything
     * is proven or stored.
     */
    public boolean forOurBot(String memberId, String event, List<Long> botIds) {
        for (long botId : botIds) {
            if (directory.registered(memberId, botId).filter(bot -> bot.takesWebhook(event)).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** What became of a bot's deletion event. */
    public enum Deletion {
        /** Its check is queued (or merged into one already waiting for that bot). */
        QUEUED,
        /** The bot is none of this portal's registered bots: nothing to check, nothing stored. */
        NOT_OURS,
        /** The portal's queue is full. */
        PORTAL_FULL
    }

    /**
     * Queues the check of a bot deletion ({@code ONIMBOTDELETE}, {@code ONIMBOTV2DELETE}). Those events
     * carry no token to prove them, so the worker asks Bitrix24 whether the bot is gone, and until then
     * only what that check needs is stored: the event's name and the bot's id, in a job that waits at
     * most once per bot (more deletions of it join the waiting one). {@code delay}: how long it waits
     * before it is due (a portal that sent many unproven events lately waits longer).
     */
    public Deletion acceptDeletion(String memberId, String event, long botId, Duration delay) {
        if (directory.registered(memberId, botId).isEmpty()) {
            return Deletion.NOT_OURS;
        }
        ObjectNode payload = json.createObjectNode();
        payload.put("event", event);
        if ("ONIMBOTV2DELETE".equals(event)) {
            payload.putObject("data").putObject("bot").put("id", botId);
        } else {
            payload.putObject("data").put("BOT_ID", botId);
        }
        JobQueue.Enqueued enqueued = QuarkusTransaction.requiringNew().call(() -> jobs.offer(KIND, memberId,
                payload.toString(), "bot-deletion:" + botId, delay));
        return enqueued == JobQueue.Enqueued.PORTAL_FULL ? Deletion.PORTAL_FULL : Deletion.QUEUED;
    }

    /** Offers of one intake transaction, with slots of this replica's worker held for {@code portals} of them ({@link JobOffers}). */
    public JobOffers offers(int portals) {
        return jobs.offers(portals);
    }

    /**
     * Queues a batch of webhook events on {@code connection} in one round trip, each the first time its
     * dedup hash is offered, for portals installed as the statement runs ({@link JobQueue#offerAll}; in
     * auto-commit that round trip commits them). After the transaction the caller tells {@code offers}
     * how it ended.
     */
    public JobQueue.Offered acceptAll(Connection connection, JobOffers offers, List<WebhookEvent> events) throws SQLException {
        List<String> memberIds = new ArrayList<>(events.size());
        List<String> payloads = new ArrayList<>(events.size());
        List<String> traceParents = new ArrayList<>(events.size());
        List<byte[]> hashes = new ArrayList<>(events.size());
        for (WebhookEvent event : events) {
            memberIds.add(event.memberId());
            payloads.add(payload(event.event(), event.dataJson()));
            traceParents.add(event.traceParent());
            hashes.add(event.dedupHash());
        }
        return jobs.offerAll(connection, offers, KIND, memberIds, payloads, traceParents, hashes);
    }

    /** The job payload {@link #enqueue} writes, around data the intake already wrote as JSON (for its hash). */
    private String payload(String event, String dataJson) {
        try {
            return "{\"event\":" + json.writeValueAsString(event) + ",\"data\":" + dataJson + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Queues a fetched event inside the caller's transaction (the one that moves the offset). False
     * when the portal's queue is full: a portal cannot bury the others' events under its own.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean enqueue(String memberId, String event, JsonNode data) {
        ObjectNode payload = json.createObjectNode();
        payload.put("event", event);
        payload.set("data", data);
        try {
            return jobs.offer(KIND, memberId, json.writeValueAsString(payload), null) != JobQueue.Enqueued.PORTAL_FULL;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
