package io.b24bots.portal;

import java.time.Duration;
import java.time.Instant;

/** A portal's decrypted OAuth pair with what is needed to use and refresh it. */
public record StoredTokens(
        String memberId,
        PortalStatus status,
        String clientEndpoint,
        String oauthServer,
        String accessToken,
        String refreshToken,
        Instant expiresAt,
        long version,
        /** A grant may have spent the refresh token: an invalid_grant for it then proves nothing. */
        boolean refreshInDoubt) {

    public boolean expiresWithin(Duration margin) {
        return !expiresAt.isAfter(Instant.now().plus(margin));
    }

    @Override
    public String toString() {
        return "StoredTokens[memberId=" + memberId + ", version=" + version + ", expiresAt=" + expiresAt + "]";
    }
}
