package io.b24bots.admin;

import io.b24bots.web.Refusal;

/** The admin page cannot be shown or the action not done; {@link #reason} picks the localized text. */
public class AdminDenied extends RuntimeException {

    public enum Reason { UNVERIFIED, FORBIDDEN, UNAVAILABLE }

    private final Reason reason;
    private final String lang;

    public AdminDenied(Reason reason, String lang) {
        super(reason.name(), null, false, false);
        this.reason = reason;
        this.lang = lang;
    }

    public Reason reason() {
        return reason;
    }

    public String lang() {
        return lang;
    }

    /** The web layer's kind of refusal, which decides the HTTP status. */
    public Refusal.Kind kind() {
        return switch (reason) {
            case UNVERIFIED -> Refusal.Kind.UNVERIFIED;
            case FORBIDDEN -> Refusal.Kind.FORBIDDEN;
            case UNAVAILABLE -> Refusal.Kind.UNAVAILABLE;
        };
    }
}
