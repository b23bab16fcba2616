package io.b24bots.bot.messaging;


import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.b24bots.jobs.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Takes bot events in (webhook deliveries and fetched ones) and queues them durably, so the
 * answer to Bitrix24 goes out at once and the bot's reply is sent from the queue.
 */
@ApplicationScoped
public class BotEventQueue {

    public static final String KIND = "bot-event";

    private final JobQueue jobs;
    private final ObjectMapper json;

    BotEventQueue(JobQueue jobs, ObjectMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    /**
     * Queues a webhook event inside the caller's transaction; {@code data} must already be stripped
     * of tokens. False when the portal's queue is full ({@code b24.jobs.max-queued-per-portal}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean accept(String memberId, String event, Map<String, Object> data) {
        return enqueue(memberId, event, json.valueToTree(data));
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
