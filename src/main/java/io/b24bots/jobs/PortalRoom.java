package io.b24bots.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What this replica last counted of each portal's active (queued or running) jobs and queued bytes,
 * for the caps of {@link JobQueue#offerAll}. A count walks the portal's active jobs in an index, so it grew with the
 * backlog and was paid for every batch that held one of the portal's events, slowing the intake most
 * when portals had work waiting (bench/RESULTS-analysis.md).
 *
 * <p>A portal counted within the last second and far below the caps (under a quarter of each, this
 * replica's offers since then included) is taken at that count; any other portal is counted. So a
 * refusal always comes from a count, and a portal whose backlog has drained is never refused on an
 * old figure. What other replicas queue for the portal within that second goes unseen until its
 * next count: the cap can be passed by what they take in a second, a bound on a flood, as the cap
 * always was, not an exact count.
 */
final class PortalRoom {

    static final long KNOWN_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Portals counted, at most; one forgotten is only counted again. */
    private static final int PORTALS_KEPT = 100_000;

    /** A portal's active jobs and the bytes of its queued payloads, as counted at {@code countedAt}. */
    record Count(long active, long bytes, long countedAt) {
    }

    /*
     * A plain map, emptied when full: a count is a hint that is stale within a second anyway, and the
     * bounded cache's bookkeeping on every batch's put cost more than the counts it saved.
     */
    private final Map<String, Count> counts = new ConcurrentHashMap<>();

    /**
     * The portal's count to assume without counting, or null when it must be counted: not counted
     * within the last second, or not far below either cap with {@code offers} jobs of
     * {@code offeredBytes} more.
     */
    Count known(String memberId, long offers, long offeredBytes, int cap, long bytesCap, long now) {
        Count count = counts.get(memberId);
        if (count == null || now - count.countedAt() > KNOWN_FOR_NANOS || count.active() + offers > cap / 4
                || count.bytes() + offeredBytes > bytesCap / 4) {
            return null;
        }
        return count;
    }

    /** A count, the batch's own jobs included. */
    void counted(String memberId, long active, long bytes, long now) {
        if (counts.size() >= PORTALS_KEPT) {
            counts.clear();
        }
        counts.put(memberId, new Count(active, bytes, now));
    }

    /** The batch took {@code taken} jobs of {@code bytes} of a portal it did not count. */
    void took(String memberId, long taken, long bytes) {
        counts.computeIfPresent(memberId, (member, count) -> new Count(count.active() + taken, count.bytes() + bytes,
                count.countedAt()));
    }
}
