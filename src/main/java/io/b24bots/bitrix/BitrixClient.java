package io.b24bots.bitrix;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.config.B24Config;
import io.b24bots.oauth.PortalAccess;
import io.b24bots.oauth.TokenService;
import io.b24bots.outbound.OutboundAddresses;
import io.b24bots.support.Backoff;
import io.b24bots.support.CounterFamily;
import io.b24bots.support.Texts;
import io.b24bots.support.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * The one client for every Bitrix24 REST call (docs/OPERATIONS.md "Calling Bitrix24"). It sends the call to the
 * portal's stored endpoint only, refreshes on {@code expired_token}/{@code invalid_token} and
 * repeats once, learns a moved portal's endpoint from the OAuth server instead of following a
 * redirect, keeps each portal under its rate limit, backs off on 503/429, and turns every
 * Bitrix24 error into a {@link BitrixException} that carries its code. One portal cannot hurt the
 * others: answers are read through a size cap, endpoints resolving to internal addresses are refused,
 * a portal that keeps failing is cut off for a while ({@link PortalBreaker}), and metric tags take
 * only catalogued codes ({@link BitrixErrorCodes}).
 */
@Singleton
public class BitrixClient {

    private static final Logger LOG = Logger.getLogger(BitrixClient.class);
    private static final Pattern METHOD = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");
    private static final Set<String> TOKEN_REJECTED = Set.of("expired_token", "invalid_token");
    private static final Set<String> LIMITED = Set.of("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT");
    /** Names that passed {@link #METHOD}: the same few are checked on every call (bounded in number and length). */
    private static final Set<String> CHECKED_METHODS = ConcurrentHashMap.newKeySet();

    private final PortalHttp http;
    private final TokenService tokens;
    private final PortalRateLimiter limiter;
    private final B24Config config;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final CounterFamily restCalls;
    private final PortalBreaker breaker;
    private final AnswerReader answers;
    private final OperatingResets resets;
    private final Tracer tracer;

    BitrixClient(PortalHttp http, TokenService tokens, PortalRateLimiter limiter, B24Config config,
            ObjectMapper json, MeterRegistry meters, PortalBreaker breaker, AnswerReader answers, OperatingResets resets,
            Tracing tracing) {
        this.tracer = tracing.tracer();
        this.answers = answers;
        this.resets = resets;
        this.http = http;
        this.tokens = tokens;
        this.limiter = limiter;
        this.config = config;
        this.json = json;
        this.meters = meters;
        this.restCalls = new CounterFamily(meters, "b24.rest.calls", "method", "outcome");
        this.breaker = breaker;
    }

    /** Calls {@code method} on the portal with its stored OAuth token. */
    public BitrixResponse call(String memberId, String method, Map<String, ?> params) {
        requireMethodName(method);
        breaker.check(memberId);
        PortalAccess access = tokens.access(memberId);
        boolean refreshed = false;
        boolean relocated = false;
        int limitRetries = 0;
        while (true) {
            try {
                // Background work waits out a failing portal's pause; a person waiting (callWithToken) does not.
                breaker.check(memberId);
                return send(memberId, access, method, params);
            } catch (BitrixException e) {
                if (TOKEN_REJECTED.contains(e.code()) && !refreshed) {
                    refreshed = true;
                    access = tokens.refreshRejected(memberId, access.accessToken());
                } else if (BitrixException.PORTAL_MOVED.equals(e.code()) && !relocated) {
                    relocated = true;
                    String before = access.clientEndpoint();
                    // A refresh is how the OAuth server tells us the portal's current endpoint.
                    access = tokens.refreshRejected(memberId, access.accessToken());
                    if (before.equals(access.clientEndpoint())) {
                        throw BitrixException.moved("the portal redirected but the OAuth server reports the same endpoint",
                                e.httpStatus());
                    }
                    LOG.infof("Portal %s moved; now calling %s", memberId, access.clientEndpoint());
                } else if (isRetriableLimit(e) && limitRetries < config.rest().maxLimitRetries()) {
                    pause(e, limitRetries++);
                } else {
                    throw e;
                }
            }
        }
    }

    /** Commands one {@code batch} call carries at most; Bitrix24 fails the ones past it. */
    public static final int BATCH_LIMIT = 50;

    /**
     * Calls up to {@value #BATCH_LIMIT} methods of the portal in one {@code batch} call, counted as one
     * call by Bitrix24's rate limit and ours. Bitrix24 runs them in order and does not stop at a failed
     * one ({@code halt=0}); each answer says what its command returned or the error it alone got. A
     * failure of the call itself (network, limits after back-off, the token) is thrown as for {@link #call}.
     */
    public List<BatchAnswer> batch(String memberId, List<RestCall> calls) {
        if (calls.isEmpty() || calls.size() > BATCH_LIMIT) {
            throw new IllegalArgumentException("a batch carries 1 to " + BATCH_LIMIT + " commands, not " + calls.size());
        }
        Map<String, String> commands = new LinkedHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            RestCall call = calls.get(i);
            requireMethodName(call.method());
            commands.put("c" + i, call.method() + "?" + PhpQuery.encode(call.params()));
        }
        JsonNode answer = call(memberId, "batch", Map.of("halt", 0, "cmd", commands)).result();
        JsonNode results = answer.path("result");
        JsonNode errors = answer.path("result_error");
        List<BatchAnswer> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonNode error = errors.path("c" + i);
            if (error.isObject()) {
                String code = Texts.printable(error.path("error").asText("ERROR"), 100);
                out.add(new BatchAnswer(null, BitrixException.answered(code,
                        Texts.printable(error.path("error_description").asText(""), 1000), 0,
                        BitrixErrorCodes.isTransient(code, 0), null)));
                restCalls.increment(calls.get(i).method(), BitrixErrorCodes.tag(code));
            } else {
                out.add(new BatchAnswer(results.path("c" + i), null));
                restCalls.increment(calls.get(i).method(), "ok");
            }
        }
        meters.summary("b24.rest.batch.commands").record(calls.size());
        return out;
    }

    /**
     * Calls {@code method} with a token the caller holds (a frame's {@code AUTH_ID} being checked),
     * at an endpoint a trusted OAuth server reported for {@code memberId}. No refresh and no
     * back-off: a person is waiting, so a refusal or a limit is the answer at once.
     */
    public BitrixResponse callWithToken(String memberId, String clientEndpoint, String accessToken, String method,
            Map<String, ?> params) {
        requireMethodName(method);
        return send(memberId, new PortalAccess(memberId, clientEndpoint, accessToken), method, params);
    }

    private BitrixResponse send(String limiterKey, PortalAccess access, String method, Map<String, ?> params) {
        // The call's span: the portal and the method, never the endpoint's URL, the parameters or the token.
        Span span = tracer.spanBuilder("bitrix24 " + method).setSpanKind(SpanKind.CLIENT)
                .setAttribute("b24.member_id", access.memberId())
                .setAttribute("rpc.system", "bitrix24")
                .setAttribute("rpc.method", method)
                .startSpan();
        try (Scope traced = span.makeCurrent()) {
            BitrixResponse response = exchange(limiterKey, access, method, params);
            restCalls.increment(method, "ok");
            breaker.succeeded(access.memberId());
            span.setAttribute("b24.outcome", "ok");
            return response;
        } catch (BitrixException e) {
            String outcome = BitrixErrorCodes.tag(e.code());
            restCalls.increment(method, outcome);
            span.setAttribute("b24.outcome", outcome);
            span.setStatus(StatusCode.ERROR, outcome);
            if (portalFailed(e)) {
                breaker.failed(access.memberId());
            } else if (e.httpStatus() > 0) {
                breaker.succeeded(access.memberId());
            }
            throw e;
        } finally {
            span.end();
        }
    }

    private BitrixResponse exchange(String limiterKey, PortalAccess access, String method, Map<String, ?> params) {
        String endpoint = access.clientEndpoint();
        InetAddress checked = requireAllowedEndpoint(access.memberId(), endpoint);
        limiter.acquire(limiterKey);
        Map<String, Object> body = new LinkedHashMap<>(params);
        body.put("auth", access.accessToken());
        byte[] request;
        try {
            request = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the parameters of " + method + " cannot be written as JSON", e);
        }
        PortalHttp.Answer response;
        try {
            response = http.post(endpoint.endsWith("/") ? endpoint + method : endpoint + "/" + method, request, checked);
        } catch (BitrixException e) {
            if (BitrixException.ANSWER_TOO_LARGE.equals(e.code())) {
                LOG.warnf("Portal %s answered %s with more than %d bytes; the answer was refused unread", access.memberId(),
                        method, config.rest().maxAnswerSize().asLongValue());
            }
            throw e;
        }
        try (response) {
            return answer(access.memberId(), method, response);
        }
    }

    private BitrixResponse answer(String memberId, String method, PortalHttp.Answer response) {
        int status = response.status();
        if (status >= 300 && status < 400) {
            // The token must not follow a redirect the OAuth server has not confirmed.
            throw BitrixException.moved("portal answered HTTP " + status, status);
        }
        JsonNode node = answers.read(method, response);
        String error = errorCode(node);
        if (error == null && status < 400) {
            if (!node.isObject() || !node.has("result")) {
                throw BitrixException.malformed(method, "HTTP " + status + " without a result");
            }
            resets.answered(memberId, method, node);
            return new BitrixResponse(node);
        }
        if (error == null) {
            error = "HTTP_" + status;
        }
        // Both come from the portal and end up in logs, job rows and pages: bounded, on one line.
        error = Texts.printable(error, 100);
        String description = Texts.printable(errorDescription(node), 1000);
        Instant retryAfter = operatingResetAt(node);
        if (retryAfter == null && "OPERATION_TIME_LIMIT".equals(error)) {
            retryAfter = resets.next(memberId, method);
        }
        throw BitrixException.answered(error, description, status, BitrixErrorCodes.isTransient(error, status), retryAfter);
    }

    /**
     * The scheme rule, and in production no endpoint that resolves to an internal address (a
     * portal's endpoint comes from the OAuth server, but the token must never go to our own network).
     * Returns the address that was checked, which the call then connects to (null where
     * {@code b24.allow-http} lifts the check: tests and local runs).
     */
    private InetAddress requireAllowedEndpoint(String memberId, String endpoint) {
        String host = OutboundAddresses.host(endpoint);
        if (!OutboundAddresses.secureScheme(endpoint, config.allowHttp()) || host == null) {
            throw BitrixException.permanent(BitrixException.INSECURE_ENDPOINT, "portal endpoint is not https");
        }
        if (config.allowHttp()) {
            return null;
        }
        OutboundAddresses.Resolution resolution = OutboundAddresses.resolution(host);
        switch (resolution.reach()) {
            case INTERNAL -> {
                LOG.warnf("Refused to call portal %s: its endpoint host %s resolves to an internal address", memberId, host);
                throw BitrixException.permanent(BitrixException.ENDPOINT_REFUSED,
                        "the portal's endpoint resolves to an internal address");
            }
            case UNRESOLVED -> throw BitrixException.transientFailure(BitrixException.NETWORK_ERROR, "the portal's host does not resolve");
            case PUBLIC -> {
            }
        }
        return resolution.address();
    }

    /**
     * Failures that say the portal is not answering at all, or answers what cannot be read; they count
     * towards its breaker, so a portal answering only garbage is cut off like a dead one.
     */
    private static boolean portalFailed(BitrixException e) {
        return BitrixException.NETWORK_ERROR.equals(e.code()) || BitrixException.TIMEOUT.equals(e.code())
                || BitrixException.MALFORMED_ANSWER.equals(e.code()) || BitrixException.ANSWER_TOO_LARGE.equals(e.code())
                || e.httpStatus() >= 500 && e.isTransient() && !LIMITED.contains(e.code());
    }

    private static String errorCode(JsonNode node) {
        JsonNode error = node.get("error");
        if (error == null || error.isNull()) {
            return null;
        }
        // REST v3 style errors nest the code in an object.
        String code = error.isObject() ? error.path("code").asText(null) : error.asText();
        return code == null || code.isBlank() ? null : code;
    }

    private static String errorDescription(JsonNode node) {
        JsonNode error = node.get("error");
        if (error != null && error.isObject()) {
            return error.path("message").asText("");
        }
        return node.path("error_description").asText("");
    }

    private static Instant operatingResetAt(JsonNode node) {
        JsonNode reset = node.path("time").path("operating_reset_at");
        return reset.isNumber() ? Instant.ofEpochSecond(reset.asLong()) : null;
    }

    /** The imbot.v2 limits page: an HTTP 429 is retried with back-off, whatever error code it carries. */
    private static boolean isRetriableLimit(BitrixException e) {
        return LIMITED.contains(e.code()) || e.httpStatus() == 429 || BitrixException.NETWORK_ERROR.equals(e.code());
    }

    /** Sleeps before a retry: exponential with jitter, or until {@code operating_reset_at} when given. */
    private static final Duration UNCAPPED = Duration.ofDays(1);

    private void pause(BitrixException e, int attempt) {
        Duration wait;
        if (e.retryAfter() != null) {
            wait = Duration.between(Instant.now(), e.retryAfter()).plusMillis(100);
        } else {
            // Uncapped here: a wait longer than b24.rest.max-backoff is not slept but handed to the caller.
            wait = Backoff.delay(attempt + 1, config.rest().backoff(), UNCAPPED);
        }
        if (wait.compareTo(config.rest().maxBackoff()) > 0) {
            throw e;
        }
        if (wait.isNegative()) {
            return;
        }
        meters.counter("b24.rest.backoffs", "code", BitrixErrorCodes.tag(e.code())).increment();
        try {
            Thread.sleep(wait);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    private static void requireMethodName(String method) {
        if (method != null && CHECKED_METHODS.contains(method)) {
            return;
        }
        if (method == null || !METHOD.matcher(method).matches()) {
            throw new IllegalArgumentException("not a Bitrix24 method name: " + method);
        }
        if (CHECKED_METHODS.size() < 1_000 && method.length() <= 100) {
            CHECKED_METHODS.add(method);
        }
    }
}
