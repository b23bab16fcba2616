package io.b24bots.bitrix;

import java.time.Duration;
import java.time.Instant;

import io.b24bots.jobs.JobFailure;

/**
 * A Bitrix24 call that failed, with the error code Bitrix24 gave ({@code QUERY_LIMIT_EXCEEDED},
 * {@code BOT_CODE_ALREADY_TAKEN}, ...) or one of ours for failures without one
 * ({@link #NETWORK_ERROR}, {@link #TIMEOUT}, {@link #PORTAL_MOVED}, {@code HTTP_<status>}).
 */
public class BitrixException extends RuntimeException implements JobFailure {

    public static final String NETWORK_ERROR = "NETWORK_ERROR";
    public static final String TIMEOUT = "TIMEOUT";
    public static final String PORTAL_MOVED = "PORTAL_MOVED";
    public static final String RATE_LIMITED = "RATE_LIMITED";
    /** The portal's endpoint is not https (or http when allowed). */
    public static final String INSECURE_ENDPOINT = "INSECURE_ENDPOINT";
    /** The portal's endpoint resolves to a loopback, private, link-local or otherwise internal address. */
    public static final String ENDPOINT_REFUSED = "ENDPOINT_REFUSED";
    /** The answer was longer than {@code b24.rest.max-answer-size}; it was not read. */
    public static final String ANSWER_TOO_LARGE = "ANSWER_TOO_LARGE";
    /**
     * An answer this replica cannot hold now: other large answers take its answer memory
     * ({@code b24.rest.answer-memory}). Transient, and not the portal's fault as far as its breaker goes.
     */
    public static final String ANSWER_MEMORY_BUSY = "ANSWER_MEMORY_BUSY";
    /**
     * The answer lacks a field the method always returns, has it with the wrong type, or is JSON past
     * the bounds every answer is read within (depth, tokens).
     */
    public static final String MALFORMED_ANSWER = "MALFORMED_ANSWER";
    /** A paged read went past {@code b24.rest.max-pages} or the portal repeated a page. */
    public static final String TOO_MANY_PAGES = "TOO_MANY_PAGES";
    /** The portal's calls kept failing; calls fail fast until its pause is over. */
    public static final String PORTAL_BACKED_OFF = "PORTAL_BACKED_OFF";

    private final String code;
    private final int httpStatus;
    private final boolean transientFailure;
    private final Instant retryAfter;

    private BitrixException(String code, String description, int httpStatus, boolean transientFailure, Instant retryAfter) {
        super(code + (description == null || description.isBlank() ? "" : ": " + description), null, false, false);
        this.code = code;
        this.httpStatus = httpStatus;
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
    }

    /** What a portal answered: its error code and description, the HTTP status, and whether waiting can help. */
    public static BitrixException answered(String code, String description, int httpStatus, boolean transientFailure,
            Instant retryAfter) {
        return new BitrixException(code, description, httpStatus, transientFailure, retryAfter);
    }

    /** A failure of ours that may pass (network, timeout, a local limit): the same call may work later. */
    public static BitrixException transientFailure(String code, String description) {
        return new BitrixException(code, description, 0, true, null);
    }

    /** A failure of ours that waiting will not mend (an endpoint refused, an answer we will not read). */
    public static BitrixException permanent(String code, String description) {
        return new BitrixException(code, description, 0, false, null);
    }

    /** The portal's calls keep failing: calls fail fast, transiently, until {@code until}. */
    public static BitrixException backedOff(String description, Instant until) {
        return new BitrixException(PORTAL_BACKED_OFF, description, 0, true, until);
    }

    /** The portal answered a redirect ({@code httpStatus}): it moved, and a refresh learns where. */
    public static BitrixException moved(String description, int httpStatus) {
        return new BitrixException(PORTAL_MOVED, description, httpStatus, true, null);
    }

    /** A permanent {@link #MALFORMED_ANSWER} for {@code method}, saying what was wrong. */
    public static BitrixException malformed(String method, String what) {
        return permanent(MALFORMED_ANSWER, method + " answered " + what);
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

    @Override
    public Kind jobFailureKind() {
        return transientFailure ? Kind.TRANSIENT : Kind.PERMANENT;
    }

    @Override
    public String jobFailureCode() {
        return code;
    }

    @Override
    public Duration retryDelay() {
        return retryAfter == null ? null : Duration.between(Instant.now(), retryAfter).isNegative() ? Duration.ZERO
                : Duration.between(Instant.now(), retryAfter);
    }
}
