package io.b24bots.web;

/**
 * A request refused for a reason its sender should know: carries the HTTP status, a stable
 * error code and a human-readable description that never contains a secret.
 */
public class RequestRejected extends RuntimeException {

    private final int status;
    private final String code;

    public RequestRejected(int status, String code, String description) {
        super(description, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static RequestRejected badRequest(String description) {
        return new RequestRejected(400, "invalid_request", description);
    }

    public static RequestRejected unauthorized(String description) {
        return new RequestRejected(401, "unauthorized", description);
    }

    public static RequestRejected forbidden(String description) {
        return new RequestRejected(403, "forbidden", description);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String description() {
        return getMessage();
    }
}
