package io.b24bots.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What this replica last counted of each portal's active (queued or running) jobs, for the cap of
 * {@link JobQueue#offerAll}. A count walks the portal's active jobs in an index, so it grew with the
 * backlog and was paid for every batch that held one of the portal's events: with 100 jobs waiting
 * per portal, the intake took 10–25% fewer events a second (bench/RESULTS-analysis.md).
 *
 * <p>A portal counted within the last second and far below the cap (under a quarter of it, this
 * replica's offers since then included) is taken at that count; any other portal is counted. So a
 * refusal always comes from a count, and a portal whose backlog has drained is never refused on an
 * old figure. What other replicas queue for the portal within that second goes unseen until its
 * next count: the cap can be passed by what they take in a second, a bound on a flood, as the cap
 * always was, not an exact count.
 */
final class PortalRoom {

    static final long KNOWN_FOR_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Installed portals, at most; past it the counts start over rather than grow. */
    private static final int PORTALS_KEPT = 100_000;

    private record Count(long active, long countedAt) {
    }

    private final Map<String, Count> counts = new ConcurrentHashMap<>();

    /** The portal's active jobs to assume without counting, or -1 when they must be counted. */
    long known(String memberId, int offers, int cap, long now) {
        Count count = counts.get(memberId);
        if (count == null || now - count.countedAt() > KNOWN_FOR_NANOS || count.active() + offers > cap / 4) {
            return -1;
        }
        return count.active();
    }

    /** A count of {@code active} jobs, after which the batch took {@code taken} more. */
    void counted(String memberId, long active, int taken, long now) {
        if (counts.size() >= PORTALS_KEPT) {
            counts.clear();
        }
        counts.put(memberId, new Count(active + taken, now));
    }

    /** The batch took {@code taken} jobs of a portal it did not count. */
    void took(String memberId, int taken) {
        counts.computeIfPresent(memberId, (member, count) -> new Count(count.active() + taken, count.countedAt()));
    }
}
