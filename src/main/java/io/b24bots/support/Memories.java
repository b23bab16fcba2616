package io.b24bots.support;

import java.time.Duration;
import java.util.concurrent.ConcurrentMap;

import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * What a replica keeps in memory to spare a database read or an outbound call, bounded so that no
 * number of portals, tokens or addresses can grow the heap: at most {@code entries} entries, none
 * kept longer than {@code age} after it was written, and when full the least useful entry goes, not
 * everything at once. It is a {@link ConcurrentMap}, so the usual atomic operations (merge, a
 * conditional remove after a change was announced) work as they do on any map.
 */
public final class Memories {

    private Memories() {
    }

    /** A map that forgets an entry {@code age} after it was written, and keeps at most {@code entries}. */
    public static <K, V> ConcurrentMap<K, V> bounded(long entries, Duration age) {
        return builder(entries).expireAfterWrite(age).<K, V>build().asMap();
    }

    /** A map that forgets an entry {@code idle} after it was last read or written, and keeps at most {@code entries}. */
    public static <K, V> ConcurrentMap<K, V> boundedIdle(long entries, Duration idle) {
        return builder(entries).expireAfterAccess(idle).<K, V>build().asMap();
    }

    /** A map of what never goes stale (it is derived from the key alone), at most {@code entries} of it. */
    public static <K, V> ConcurrentMap<K, V> sized(long entries) {
        return builder(entries).<K, V>build().asMap();
    }

    private static Caffeine<Object, Object> builder(long entries) {
        // Eviction runs on the writing thread: no pool of its own, and the bound holds as soon as a put returns.
        return Caffeine.newBuilder().maximumSize(entries).executor(Runnable::run);
    }
}
