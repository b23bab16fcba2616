package io.b24bots.bitrix;

import java.time.Duration;

import io.b24bots.config.B24Config;
import io.b24bots.support.TokenBuckets;
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

    /** Portals this replica keeps a bucket for; one forgotten is only one that may burst again. */
    private static final int PORTALS_KEPT = 100_000;

    private final TokenBuckets buckets;
    private final long maxWaitNanos;
    private final Timer waits;

    PortalRateLimiter(B24Config config, MeterRegistry meters) {
        this.waits = Timer.builder("b24.rate.limit.waits")
                .description("Calls held back by the per-portal rate limit, and for how long")
                .register(meters);
        this.buckets = new TokenBuckets(config.rest().requestsPerSecond(), config.rest().burst(), PORTALS_KEPT);
        this.maxWaitNanos = config.rest().maxLimiterWait().toNanos();
    }

    /** Blocks until a call to {@code portalKey} may go. */
    public void acquire(String portalKey) {
        long waitNanos = buckets.reserve(portalKey, maxWaitNanos);
        if (waitNanos < 0) {
            throw BitrixException.transientFailure(BitrixException.RATE_LIMITED,
                    "local rate limit for this portal is saturated");
        }
        if (waitNanos > 0) {
            waits.record(Duration.ofNanos(waitNanos));
            try {
                Thread.sleep(Duration.ofNanos(waitNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw BitrixException.transientFailure(BitrixException.RATE_LIMITED, "interrupted while rate limited");
            }
        }
    }

    /** Whether a call to {@code portalKey} made now would have to wait for its turn. */
    public boolean wouldWait(String portalKey) {
        return !buckets.hasBudget(portalKey);
    }
}
