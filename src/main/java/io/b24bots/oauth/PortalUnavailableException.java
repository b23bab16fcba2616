package io.b24bots.oauth;

import io.b24bots.portal.PortalStatus;

/**
 * No call can be made for this portal until an admin acts: it is unknown, uninstalled, or its
 * refresh token was refused ({@code reauth_required}).
 */
public class PortalUnavailableException extends RuntimeException {

    private final PortalStatus status;

    public PortalUnavailableException(String memberId, PortalStatus status) {
        super("portal " + memberId + " is " + (status == null ? "not installed" : status.dbValue()), null, false, false);
        this.status = status;
    }

    /** Null when the portal is unknown. */
    public PortalStatus status() {
        return status;
    }
}
