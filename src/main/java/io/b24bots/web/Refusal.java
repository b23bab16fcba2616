package io.b24bots.web;

/**
 * A request the service refuses, for a reason its sender should know: what kind of refusal it is
 * and a human-readable description that never contains a secret. Services throw it by kind; the
 * HTTP status and error code of each kind are chosen here, in the web layer, and nowhere else.
 */
public class Refusal extends RuntimeException {

    /** Why a request is refused, and the HTTP answer for it. */
    public enum Kind {
        INVALID(400, "invalid_request"),
        UNVERIFIED(401, "unauthorized"),
        FORBIDDEN(403, "forbidden"),
        NOT_FOUND(404, "not_found"),
        CONFLICT(409, "conflict"),
        UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
        TOO_MANY(429, "too_many_requests"),
        UNAVAILABLE(503, "temporarily_unavailable");

        private final int status;
        private final String code;

        Kind(int status, String code) {
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;

    public Refusal(Kind kind, String description) {
        super(description, null, false, false);
        this.kind = kind;
    }

    public static Refusal invalid(String description) {
        return new Refusal(Kind.INVALID, description);
    }

    public static Refusal unverified(String description) {
        return new Refusal(Kind.UNVERIFIED, description);
    }

    public static Refusal forbidden(String description) {
        return new Refusal(Kind.FORBIDDEN, description);
    }

    public static Refusal notFound(String description) {
        return new Refusal(Kind.NOT_FOUND, description);
    }

    public static Refusal conflict(String description) {
        return new Refusal(Kind.CONFLICT, description);
    }

    public static Refusal tooMany(String description) {
        return new Refusal(Kind.TOO_MANY, description);
    }

    public static Refusal unavailable(String description) {
        return new Refusal(Kind.UNAVAILABLE, description);
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return getMessage();
    }
}
