package io.b24bots.admin;

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

    public int status() {
        return switch (reason) {
            case UNVERIFIED -> 401;
            case FORBIDDEN -> 403;
            case UNAVAILABLE -> 503;
        };
    }
}
