package io.b24bots.events;

import java.util.Map;

import io.b24bots.bot.messaging.BotEventQueue;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Stores a proven bot event: its dedup mark and its job commit together or not at all, so a
 * failed enqueue never turns Bitrix24's next delivery of the same event into a "duplicate".
 */
@ApplicationScoped
public class BotEventIntake {

    /** What became of an event. */
    public enum Outcome { QUEUED, DUPLICATE, PORTAL_FULL }

    private final EventDedup dedup;
    private final BotEventQueue botEvents;

    BotEventIntake(EventDedup dedup, BotEventQueue botEvents) {
        this.dedup = dedup;
        this.botEvents = botEvents;
    }

    @Transactional
    public Outcome accept(String memberId, String event, Map<String, Object> data) {
        if (!dedup.firstDelivery(memberId, event, data)) {
            return Outcome.DUPLICATE;
        }
        if (!botEvents.accept(memberId, event, data)) {
            // Not remembered either, so the event is not a "duplicate" when the portal's queue has room again.
            QuarkusTransaction.setRollbackOnly();
            return Outcome.PORTAL_FULL;
        }
        return Outcome.QUEUED;
    }
}
