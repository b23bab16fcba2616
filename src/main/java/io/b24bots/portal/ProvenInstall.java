package io.b24bots.portal;

import java.time.Instant;

/**
 * What an install brings once its token was proven by a trusted OAuth server and its user is a
 * portal admin: the facts to store for the tenant. {@code applicationToken} is null when the
 * install path carries none (the OAuth code flow).
 */
public record ProvenInstall(
        String memberId,
        String domain,
        String clientEndpoint,
        String oauthServer,
        String accessToken,
        String refreshToken,
        Instant expiresAt,
        Long userId,
        String scope,
        Integer appVersion,
        String language,
        String licenseStatus,
        String applicationToken) {

    @Override
    public String toString() {
        // Records print every component; this one holds tokens.
        return "ProvenInstall[memberId=" + memberId + ", domain=" + domain + "]";
    }
}
