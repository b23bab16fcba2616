package io.b24bots.oauth;

import io.b24bots.portal.StoredTokens;

/**
 * What the first, locked read of a refresh found: a usable pair after all, a failure, the pair with
 * this caller's refresh lease on it, or another replica's refresh of {@code busyVersion} under way.
 */
record RefreshStep(PortalAccess access, RuntimeException failure, StoredTokens leased, long busyVersion) {

    static RefreshStep done(PortalAccess access) {
        return new RefreshStep(access, null, null, 0);
    }

    static RefreshStep failed(RuntimeException failure) {
        return new RefreshStep(null, failure, null, 0);
    }

    static RefreshStep leased(StoredTokens tokens) {
        return new RefreshStep(null, null, tokens, 0);
    }

    static RefreshStep busy(long version) {
        return new RefreshStep(null, null, null, version);
    }
}
