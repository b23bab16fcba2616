package io.b24bots.oauth;

import java.time.Instant;

/** Tokens issued by an OAuth server (authorization code or refresh). */
public record TokenGrant(
        String accessToken,
        String refreshToken,
        Instant expiresAt,
        String memberId,
        String clientEndpoint) {

    @Override
    public String toString() {
        return "TokenGrant[memberId=" + memberId + ", expiresAt=" + expiresAt + "]";
    }
}
