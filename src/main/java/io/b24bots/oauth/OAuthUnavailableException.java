package io.b24bots.oauth;

import io.b24bots.jobs.JobFailure;

/** The OAuth server could not be reached or failed on its side; worth trying again later. */
public class OAuthUnavailableException extends RuntimeException implements JobFailure {

    public OAuthUnavailableException(String message) {
        super(message, null, false, false);
    }

    @Override
    public Kind jobFailureKind() {
        return Kind.TRANSIENT;
    }

    @Override
    public String jobFailureCode() {
        return "OAUTH_UNAVAILABLE";
    }
}
