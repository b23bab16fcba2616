package io.b24bots.support;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one exponential back-off of the application: jobs use it with {@code b24.jobs.backoff} /
 * {@code b24.jobs.max-backoff}, and any later package may call it with its own pair.
 */
public final class Backoff {

    private Backoff() {
    }

    /**
     * The wait before attempt {@code attempt + 1}: {@code base} doubled for every attempt after the
     * first, capped at {@code max}, then shortened at random by up to a quarter so that jobs failing
     * together do not all come back together. Never more than {@code max}, never negative.
     *
     * @param attempt the attempt that just failed, counting from 1
     */
    public static Duration delay(int attempt, Duration base, Duration max) {
        long baseMillis = Math.max(0, base.toMillis());
        long maxMillis = Math.max(0, max.toMillis());
        int shift = Math.min(Math.max(attempt - 1, 0), 62);
        long grown = baseMillis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseMillis << shift;
        long capped = Math.min(grown, maxMillis);
        return Duration.ofMillis(capped - ThreadLocalRandom.current().nextLong(capped / 4 + 1));
    }
}
