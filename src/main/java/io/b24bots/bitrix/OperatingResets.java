package io.b24bots.bitrix;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.support.Memories;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * When a portal's method may run again after {@code OPERATION_TIME_LIMIT}. The limits page: "for the
 * first retry, refer to {@code operating_reset_at} from the last successful response", whose
 * {@code time} block carries it, so each successful answer of a method that has used a good part of
 * its budget (480 s per 10 min) leaves its reset time here. Methods far from the limit leave nothing,
 * which keeps this small; it is bounded all the same.
 */
@ApplicationScoped
public class OperatingResets {

    /** Seconds of accumulated execution time from which a method's reset time is worth keeping. */
    static final double WORTH_KEEPING = 60;
    private static final int LIMIT = 20_000;

    /** A budget's oldest minute resets within 10 minutes (limits.md), so nothing older is of use. */
    private final Map<String, Long> resets = Memories.bounded(LIMIT, Duration.ofMinutes(10));

    /** Keeps the reset time a successful answer gives, when its method is spending its budget. */
    void answered(String memberId, String method, JsonNode answer) {
        JsonNode time = answer.path("time");
        JsonNode reset = time.path("operating_reset_at");
        if (!reset.isNumber() || time.path("operating").asDouble(0) < WORTH_KEEPING) {
            return;
        }
        resets.put(memberId + ' ' + method, reset.asLong());
    }

    /** The last reset time a successful answer of the method gave, if still ahead; null otherwise. */
    Instant next(String memberId, String method) {
        Long at = resets.get(memberId + ' ' + method);
        return at == null || at <= Instant.now().getEpochSecond() ? null : Instant.ofEpochSecond(at);
    }
}
