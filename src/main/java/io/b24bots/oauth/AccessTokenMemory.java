package io.b24bots.oauth;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.b24bots.config.B24Config;
import io.b24bots.portal.PortalChanged;
import io.b24bots.portal.PortalChanges;
import io.b24bots.portal.StoredTokens;
import io.b24bots.support.Memories;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * The access tokens this replica read or stored, used without reading the row again for
 * {@code b24.rest.token-memory}. What this replica changes itself (a refresh) replaces the entry at
 * once; any other change drops it ({@link PortalChanged}): at once for an install, uninstall or
 * reauth_required made here, when the database announces it for a change made anywhere else
 * (another replica's rotation or uninstall), and a token read while a change may have been missed is
 * not kept at all ({@link PortalChanges}). A remembered token is never used within
 * {@link #EXPIRY_MARGIN} of its own expiry.
 */
@Singleton
class AccessTokenMemory {

    /** A token this close to its expiry is refreshed rather than used. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);
    private static final int LIMIT = 100_000;

    /** An access token as this replica last read or stored it, believed until {@code untilNanos}. */
    private record Remembered(PortalAccess access, Instant expiresAt, long version, long untilNanos) {
        boolean usable(long now) {
            return untilNanos - now > 0 && expiresAt.isAfter(Instant.now().plus(EXPIRY_MARGIN));
        }
    }

    private final Map<String, Remembered> remembered;
    private final PortalChanges changes;
    private final Duration memory;

    AccessTokenMemory(B24Config config, PortalChanges changes) {
        this.changes = changes;
        this.memory = config.rest().tokenMemory();
        this.remembered = Memories.bounded(LIMIT, memory);
    }

    /** The portal's remembered token while it may be used; null otherwise. */
    PortalAccess usable(String memberId) {
        Remembered known = remembered.get(memberId);
        return known != null && known.usable(System.nanoTime()) ? known.access() : null;
    }

    /** Bitrix24 refused this token: it is not used again, whatever replaced it meanwhile stays. */
    void rejected(String memberId, String rejectedToken) {
        remembered.computeIfPresent(memberId, (member, known) -> known.access().accessToken().equals(rejectedToken) ? null : known);
    }

    /** Keeps a pair read from the row, unless a change to it may have been announced since {@code stamp}. */
    PortalAccess read(StoredTokens tokens, long stamp) {
        PortalAccess access = new PortalAccess(tokens.memberId(), tokens.clientEndpoint(), tokens.accessToken());
        if (changes.unchanged(stamp)) {
            Remembered held = keep(access, tokens.expiresAt(), tokens.version());
            if (!changes.unchanged(stamp)) {
                // A change was announced between the check and the put: its forgetting may have come first.
                remembered.remove(access.memberId(), held);
            }
        }
        return access;
    }

    /** Keeps a pair this replica just stored itself (a refresh it made): the newest there is. */
    PortalAccess stored(PortalAccess access, Instant expiresAt, long version) {
        keep(access, expiresAt, version);
        return access;
    }

    /** Drops the portal's token: the next call reads the row. */
    void forget(String memberId) {
        remembered.remove(memberId);
    }

    void portalChanged(@Observes PortalChanged changed) {
        changed.forgetIn(remembered);
    }

    /** Puts the pair in memory and returns the entry now held for the portal (a newer one wins). */
    private Remembered keep(PortalAccess access, Instant expiresAt, long version) {
        Remembered fresh = new Remembered(access, expiresAt, version, System.nanoTime() + memory.toNanos());
        // A caller that read the row before another caller here stored a newer pair must not put
        // the older token back; a lapsed entry (a reinstall elsewhere restarts versions) gives way.
        return remembered.merge(access.memberId(), fresh, (old, now) ->
                now.version() >= old.version() || !old.usable(System.nanoTime()) ? now : old);
    }
}
