package io.b24bots.bitrix;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.b24bots.config.B24Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps this replica's calls to one portal within Bitrix24's leaky bucket (2 per second, burst 50
 * by default): a caller over the budget waits its turn, or fails as transient if the wait would
 * exceed {@code b24.rest.max-limiter-wait}. Portals never wait for each other.
 */
@ApplicationScoped
public class PortalRateLimiter {

    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;
    private final long maxWaitNanos;
    private final Timer waits;

    PortalRateLimiter(B24Config config, MeterRegistry meters) {
        this.waits = Timer.builder("b24.rate.limit.waits")
                .description("Calls held back by the per-portal rate limit, and for how long")
                .register(meters);
        this.perSecond = config.rest().requestsPerSecond();
        this.burst = config.rest().burst();
        this.maxWaitNanos = config.rest().maxLimiterWait().toNanos();
    }

    /** Blocks until a call to {@code portalKey} may go. */
    public void acquire(String portalKey) {
        long waitNanos = buckets.computeIfAbsent(portalKey, k -> new Bucket(burst)).reserve(perSecond, burst, maxWaitNanos);
        if (waitNanos < 0) {
            throw new BitrixException(BitrixException.RATE_LIMITED,
                    "local rate limit for this portal is saturated", 0, true, null);
        }
        if (waitNanos > 0) {
            waits.record(Duration.ofNanos(waitNanos));
            try {
                Thread.sleep(Duration.ofNanos(waitNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BitrixException(BitrixException.RATE_LIMITED, "interrupted while rate limited", 0, true, null);
            }
        }
    }

    /** Whether a call to {@code portalKey} made now would have to wait for its turn. */
    public boolean wouldWait(String portalKey) {
        Bucket bucket = buckets.get(portalKey);
        return bucket != null && bucket.available(perSecond, burst) < 1;
    }

    /** A token bucket whose reservations may go into debt; the debt is the caller's wait. */
    private static final class Bucket {
        private double tokens;
        private long updatedNanos = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized double available(double perSecond, int burst) {
            refill(perSecond, burst);
            return tokens;
        }

        synchronized long reserve(double perSecond, int burst, long maxWaitNanos) {
            refill(perSecond, burst);
            double after = tokens - 1;
            long wait = after >= 0 ? 0 : (long) (-after / perSecond * 1e9);
            if (wait > maxWaitNanos) {
                return -1;
            }
            tokens = after;
            return wait;
        }

        private void refill(double perSecond, int burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - updatedNanos) / 1e9 * perSecond);
            updatedNanos = now;
        }
    }
}
