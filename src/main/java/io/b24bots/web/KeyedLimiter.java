package io.b24bots.web;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Token buckets by key (a portal, a client address) that never block: a caller over its budget is
 * told no at once. The number of keys is bounded, so a flood of distinct keys cannot grow memory:
 * when full, buckets that have refilled completely (idle keys) are dropped first.
 */
public final class KeyedLimiter {

    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;
    private final int maxKeys;

    public KeyedLimiter(double perSecond, int burst, int maxKeys) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
    }

    /** Takes one unit of {@code key}'s budget; false (and nothing taken) when it is spent. */
    public boolean tryAcquire(String key) {
        if (buckets.size() >= maxKeys && !buckets.containsKey(key)) {
            long now = System.nanoTime();
            buckets.values().removeIf(bucket -> bucket.isFull(now, perSecond, burst));
            if (buckets.size() >= maxKeys) {
                return false;
            }
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(burst)).take(perSecond, burst);
    }

    /** True while {@code key} still has budget, without taking any. */
    public boolean hasBudget(String key) {
        Bucket bucket = buckets.get(key);
        return bucket == null || bucket.available(System.nanoTime(), perSecond, burst) >= 1;
    }

    private static final class Bucket {
        private double tokens;
        private long updatedNanos = System.nanoTime();

        Bucket(int burst) {
            this.tokens = burst;
        }

        synchronized double available(long now, double perSecond, int burst) {
            tokens = Math.min(burst, tokens + (now - updatedNanos) / 1e9 * perSecond);
            updatedNanos = now;
            return tokens;
        }

        synchronized boolean take(double perSecond, int burst) {
            if (available(System.nanoTime(), perSecond, burst) < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized boolean isFull(long now, double perSecond, int burst) {
            return available(now, perSecond, burst) >= burst;
        }
    }
}
