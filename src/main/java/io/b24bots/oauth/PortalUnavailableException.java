package io.b24bots.oauth;

import java.util.Locale;

import io.b24bots.jobs.JobFailure;
import io.b24bots.portal.PortalStatus;

/**
 * No call can be made for this portal until an admin acts: it is unknown, uninstalled, or its
 * refresh token was refused ({@code reauth_required}).
 */
public class PortalUnavailableException extends RuntimeException implements JobFailure {

    private final PortalStatus status;

    public PortalUnavailableException(String memberId, PortalStatus status) {
        super("portal " + memberId + " is " + (status == null ? "not installed" : status.dbValue()), null, false, false);
        this.status = status;
    }

    /** Null when the portal is unknown. */
    public PortalStatus status() {
        return status;
    }

    /** Nothing can be done for the portal until an admin acts: its work is skipped, not retried. */
    @Override
    public Kind jobFailureKind() {
        return Kind.SKIP;
    }

    @Override
    public String jobFailureCode() {
        return status == null ? "PORTAL_UNKNOWN" : status.dbValue().toUpperCase(Locale.ROOT);
    }
}
