package io.b24bots.portal;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.b24bots.portal.PortalStore.StoredAppToken;
import io.b24bots.support.Memories;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Whether an event's application token is the one stored for its portal. Every event asks, so a
 * match is remembered a while: a busy portal's events then cost no read of its row. Anything but a
 * match against the remembered hash reads the row again, so a new token (a reinstall) is accepted at
 * once on every replica. Compared in constant time, so response timing does not reveal how much of a
 * guess was right.
 */
@Singleton
public class ApplicationTokens {

    /** How an event's application token compares with the stored one. */
    public enum TokenCheck { MATCH, MISMATCH, NO_TOKEN_STORED, UNKNOWN_PORTAL, UNINSTALLED }

    /**
     * How long a replica trusts an application token hash it read, without reading the row again.
     * A change on this replica drops the entry at once (and again after commit); a change made
     * anywhere else (another replica's uninstall) drops it when the database announces it
     * ({@link PortalChanges}). This bound is only what a memory never outlives.
     */
    static final Duration TOKEN_MEMORY = Duration.ofMinutes(10);
    private static final int TOKEN_MEMORY_LIMIT = 200_000;

    /** An installed portal's application token hash as read from its row, and until when it is believed. */
    private record KnownToken(byte[] hash, long untilNanos) {
    }

    private final Map<String, KnownToken> knownTokens = Memories.bounded(TOKEN_MEMORY_LIMIT, TOKEN_MEMORY);
    private final PortalStore portals;
    private final PortalChanges changes;

    ApplicationTokens(PortalStore portals, PortalChanges changes) {
        this.portals = portals;
        this.changes = changes;
    }

    public TokenCheck check(String memberId, String applicationToken) {
        byte[] presented = TokenCipher.sha256(applicationToken);
        KnownToken known = knownTokens.get(memberId);
        if (known != null && known.untilNanos() - System.nanoTime() > 0 && MessageDigest.isEqual(known.hash(), presented)) {
            return TokenCheck.MATCH;
        }
        long stamp = changes.stamp();
        Optional<StoredAppToken> read = portals.storedAppToken(memberId);
        if (read.isEmpty()) {
            return TokenCheck.UNKNOWN_PORTAL;
        }
        StoredAppToken stored = read.get();
        if (stored.hash() == null) {
            return TokenCheck.NO_TOKEN_STORED;
        }
        if (PortalStatus.UNINSTALLED.dbValue().equals(stored.status())) {
            // After a confirmed uninstall only a reinstall (ONAPPINSTALL, proven by its own tokens) is heard.
            return TokenCheck.UNINSTALLED;
        }
        boolean equal = MessageDigest.isEqual(stored.hash(), presented);
        if (equal && changes.unchanged(stamp)) {
            // Between half and all of TOKEN_MEMORY: entries read together (a busy minute's first
            // events) must not all expire together and come back to the database as one wave.
            long memory = TOKEN_MEMORY.toNanos() / 2 + ThreadLocalRandom.current().nextLong(TOKEN_MEMORY.toNanos() / 2);
            KnownToken kept = new KnownToken(stored.hash(), System.nanoTime() + memory);
            knownTokens.put(memberId, kept);
            if (!changes.unchanged(stamp)) {
                // A change was announced between the check and the put: its forgetting may have come first.
                knownTokens.remove(memberId, kept);
            }
        }
        return equal ? TokenCheck.MATCH : TokenCheck.MISMATCH;
    }

    void changed(@Observes PortalChanged changed) {
        changed.forgetIn(knownTokens);
    }
}
