package io.b24bots.oauth;

import java.time.Instant;

/** Tokens issued by an OAuth server (authorization code or refresh). */
public record TokenGrant(
        String accessToken,
        String refreshToken,
        Instant expiresAt,
        String memberId,
        String clientEndpoint,
        String serverEndpoint,
        String domain,
        String scope,
        String status,
        Long userId) {

    @Override
    public String toString() {
        return "TokenGrant[memberId=" + memberId + ", expiresAt=" + expiresAt + "]";
    }
}
