package io.b24bots.oauth;

/** An access token ready for a REST call, with the only endpoint it may be sent to. */
public record PortalAccess(String memberId, String clientEndpoint, String accessToken) {

    @Override
    public String toString() {
        return "PortalAccess[memberId=" + memberId + ", clientEndpoint=" + clientEndpoint + "]";
    }
}
