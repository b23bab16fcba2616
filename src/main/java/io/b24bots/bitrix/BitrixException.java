package io.b24bots.bitrix;

import java.time.Instant;

/**
 * A Bitrix24 call that failed, with the error code Bitrix24 gave ({@code QUERY_LIMIT_EXCEEDED},
 * {@code BOT_CODE_ALREADY_TAKEN}, ...) or one of ours for failures without one
 * ({@link #NETWORK_ERROR}, {@link #TIMEOUT}, {@link #PORTAL_MOVED}, {@code HTTP_<status>}).
 */
public class BitrixException extends RuntimeException {

    public static final String NETWORK_ERROR = "NETWORK_ERROR";
    public static final String TIMEOUT = "TIMEOUT";
    public static final String PORTAL_MOVED = "PORTAL_MOVED";
    public static final String RATE_LIMITED = "RATE_LIMITED";

    private final String code;
    private final int httpStatus;
    private final boolean transientFailure;
    private final Instant retryAfter;

    public BitrixException(String code, String description, int httpStatus, boolean transientFailure, Instant retryAfter) {
        super(code + (description == null || description.isBlank() ? "" : ": " + description), null, false, false);
        this.code = code;
        this.httpStatus = httpStatus;
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
    }

    /** The Bitrix24 error code, or one of this class's constants. */
    public String code() {
        return code;
    }

    /** HTTP status of the answer; 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** True when the same call may succeed later (limits, network, server trouble). */
    public boolean isTransient() {
        return transientFailure;
    }

    /** Earliest sensible retry when Bitrix24 said so ({@code operating_reset_at}); may be null. */
    public Instant retryAfter() {
        return retryAfter;
    }

    /** The Bitrix24 description without the code. */
    public String description() {
        String message = getMessage();
        int colon = message.indexOf(": ");
        return colon < 0 ? "" : message.substring(colon + 2);
    }
}
