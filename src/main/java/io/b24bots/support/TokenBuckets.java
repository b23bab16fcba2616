package io.b24bots.support;

import java.time.Duration;
import java.util.concurrent.ConcurrentMap;

/**
 * Token buckets by key (a portal, a client address): {@code perSecond} units a second, at most
 * {@code burst} saved up. A bucket idle long enough to be full again is forgotten, which loses
 * nothing, and at most {@code maxKeys} are kept, so a flood of distinct keys cannot grow memory.
 */
public final class TokenBuckets {

    private final ConcurrentMap<String, Bucket> buckets;
    private final double perSecond;
    private final int burst;

    public TokenBuckets(double perSecond, int burst, int maxKeys) {
        this.perSecond = perSecond;
        this.burst = burst;
        long refillNanos = (long) Math.ceil(burst / perSecond * 1e9);
        this.buckets = Memories.boundedIdle(maxKeys, Duration.ofNanos(Math.max(refillNanos, 1_000_000_000L)));
    }

    /** Takes one unit of {@code key}'s budget; false (and nothing taken) when it is spent. */
    public boolean tryAcquire(String key) {
        return bucket(key).take(perSecond, burst);
    }

    /**
     * Reserves one unit, going into debt if need be: the nanoseconds the caller must wait for its turn,
     * or -1 (nothing reserved) when that wait would exceed {@code maxWaitNanos}.
     */
    public long reserve(String key, long maxWaitNanos) {
        return bucket(key).reserve(perSecond, burst, maxWaitNanos);
    }

    /** True while {@code key} still has a whole unit, without taking any. */
    public boolean hasBudget(String key) {
        Bucket bucket = buckets.get(key);
        return bucket == null || bucket.available(perSecond, burst) >= 1;
    }

    private Bucket bucket(String key) {
        return buckets.computeIfAbsent(key, k -> new Bucket(burst));
    }

    private static final class Bucket {
        private double tokens;
        private long updatedNanos = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized double available(double perSecond, int burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - updatedNanos) / 1e9 * perSecond);
            updatedNanos = now;
            return tokens;
        }

        synchronized boolean take(double perSecond, int burst) {
            if (available(perSecond, burst) < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized long reserve(double perSecond, int burst, long maxWaitNanos) {
            double after = available(perSecond, burst) - 1;
            long wait = after >= 0 ? 0 : (long) (-after / perSecond * 1e9);
            if (wait > maxWaitNanos) {
                return -1;
            }
            tokens = after;
            return wait;
        }
    }
}
