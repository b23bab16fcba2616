package io.b24bots.oauth;

import io.b24bots.jobs.JobFailure;

/** The OAuth server refused a request and said why ({@code invalid_grant}, {@code invalid_token}, ...). */
public class OAuthRejectedException extends RuntimeException implements JobFailure {

    private final String code;

    public OAuthRejectedException(String code, String description) {
        super(code + (description == null || description.isBlank() ? "" : ": " + description), null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    @Override
    public Kind jobFailureKind() {
        return Kind.PERMANENT;
    }

    @Override
    public String jobFailureCode() {
        return code;
    }
}
