package io.b24bots.events;

import java.time.Duration;

import io.b24bots.bot.messaging.BotEventQueue;
import io.b24bots.web.FormData;
import io.b24bots.support.TokenBuckets;
import io.b24bots.web.Refusal;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Bot deletions ({@code ONIMBOTDELETE}, {@code ONIMBOTV2DELETE}) carry no token, so anyone holding
 * the portal's application token can post them. Until the worker has asked Bitrix24 whether the bot
 * is gone, such an event gets no dedup mark (a forged copy must not turn the genuine one into a
 * "duplicate"), keeps only the bot's id (not the half-megabyte body it may come with), and is taken at
 * most once per bot at a time; a portal past its small budget of them has its checks wait a minute.
 * Bitrix24 does not deliver an event twice, so none is refused for the budget.
 */
@ApplicationScoped
class UnprovenDeletions {

    /** How long a check waits when its portal sent more unproven events than its budget. */
    static final Duration OVER_BUDGET_DELAY = Duration.ofMinutes(1);

    private final BotEventQueue queue;
    private final EventRefusals refusals;
    private final MeterRegistry meters;
    private final TokenBuckets budget;

    UnprovenDeletions(BotEventQueue queue, EventRefusals refusals, MeterRegistry meters, EventsConfig config) {
        this.queue = queue;
        this.refusals = refusals;
        this.meters = meters;
        int perMinute = Math.max(1, config.unprovenPerMinute());
        this.budget = new TokenBuckets(perMinute / 60.0, perMinute, 100_000);
    }

    EventAnswer accept(String event, String memberId, FormData form) {
        String id = "ONIMBOTV2DELETE".equals(event) ? form.text("data", "bot", "id") : form.text("data", "BOT_ID");
        long botId = number(id);
        if (botId <= 0) {
            throw Refusal.invalid("The event names no bot.");
        }
        Duration delay = budget.tryAcquire(memberId) ? Duration.ZERO : OVER_BUDGET_DELAY;
        return switch (queue.acceptDeletion(memberId, event, botId, delay)) {
            case QUEUED -> {
                meters.counter("b24.events", "kind", "bot_deletion").increment();
                yield EventAnswer.OK;
            }
            case NOT_OURS -> {
                meters.counter("b24.events", "kind", "ignored").increment();
                yield EventAnswer.IGNORED;
            }
            case PORTAL_FULL -> throw refusals.refuse(event, memberId, "portal_full", Refusal.Kind.TOO_MANY,
                    "This portal has too many events waiting to be handled; new ones are refused until they are.");
        };
    }

    private static long number(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
