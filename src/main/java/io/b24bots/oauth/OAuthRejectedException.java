package io.b24bots.oauth;

/** The OAuth server refused a request and said why ({@code invalid_grant}, {@code invalid_token}, ...). */
public class OAuthRejectedException extends RuntimeException {

    private final String code;

    public OAuthRejectedException(String code, String description) {
        super(code + (description == null || description.isBlank() ? "" : ": " + description), null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
