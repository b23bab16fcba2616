package io.b24bots.oauth;

/** The OAuth server could not be reached or failed on its side; worth trying again later. */
public class OAuthUnavailableException extends RuntimeException {

    public OAuthUnavailableException(String message) {
        super(message, null, false, false);
    }
}
