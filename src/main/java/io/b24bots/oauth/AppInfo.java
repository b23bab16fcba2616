package io.b24bots.oauth;

/**
 * What a trusted OAuth server's {@code app.info} says about an access token: the application
 * it was issued to and the portal installation it belongs to.
 */
public record AppInfo(
        String clientId,
        Long userId,
        String scope,
        boolean installed,
        Integer version,
        String status,
        String domain,
        String clientEndpoint,
        String memberId) {
}
