package io.b24bots.oauth;

/** What Bitrix24 says of the app's access to a portal, asked by {@link TokenService#probe}. */
public sealed interface AccessProbe {

    /** The refresh token is refused although no grant can have spent it: Bitrix24 revoked the app's access. */
    record Revoked() implements AccessProbe {
    }

    /** The refresh worked: this fresh pair's access token is the app's, now. */
    record Working(PortalAccess access) implements AccessProbe {
    }

    /** Nothing can be concluded now (an outage, our configuration, a token in doubt); why, for the log. */
    record Inconclusive(String why) implements AccessProbe {
    }
}
