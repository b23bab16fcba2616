package io.b24bots.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Bitrix24 stand-in over real HTTP, for the tests and dev mode's sandbox portal: two trusted OAuth servers ({@code /oauth},
 * {@code /oauth-b}), an untrusted one ({@code /rogue}) and any number of portals
 * ({@code /portal/{member_id}/rest/{method}}). It issues and rotates tokens like the real OAuth
 * server (single-use refresh tokens, 30-second codes), answers REST methods with Bitrix24's error
 * codes, enforces the leaky-bucket limit, lets a test inject faults, and records every request.
 */
public final class Bitrix24Emulator implements AutoCloseable {

    /** One request as the emulator received it. */
    public record Call(String server, String memberId, String method, Map<String, Object> params, String rawBody,
            Instant at) {
        public String param(String name) {
            Object value = params.get(name);
            return value == null ? null : value.toString();
        }
    }

    /**
     * An answer a test forces on the next calls of one method. Status 0 means the normal answer,
     * late: after {@code delayMillis}, processed first when {@code processFirst} (the caller times out
     * but the call took effect) or only after the delay (a slow portal).
     */
    public record Fault(int status, String error, String description, long delayMillis, boolean processFirst) {
        public static Fault slow(long delayMillis) {
            return new Fault(0, null, null, delayMillis, false);
        }

        public static Fault answerLost(long delayMillis) {
            return new Fault(0, null, null, delayMillis, true);
        }

        public static Fault error(int status, String error) {
            return new Fault(status, error, error + " (injected)", 0, false);
        }
    }

    /** A portal with an admin (user 1) and an ordinary employee (user 2). */
    public static final class Portal {
        public final String memberId;
        public final String domain;
        volatile String pathKey;
        final Map<Long, Boolean> admins = new ConcurrentHashMap<>(Map.of(1L, true, 2L, false));
        /** Filled by REST method handlers that keep state (bots, messages). */
        public final Map<String, Object> state = new ConcurrentHashMap<>();
        final Bucket bucket = new Bucket();
        /** Every REST call of this portal waits this long before it is answered (a slow portal). */
        public volatile long latencyMillis;
        /** This portal's own sustained rate and burst, or negative for the emulator-wide ones (a busy portal). */
        public volatile double ratePerSecond = -1;
        public volatile int rateBurst = -1;
        /**
         * Where the service is told this portal's REST API lives (app.info, token answers), or null
         * for this emulator: e.g. a proxy in front of it that answers some methods itself (bench/).
         */
        public volatile String endpointBase;
        /** Calls this portal refused with QUERY_LIMIT_EXCEEDED. */
        public final AtomicLong limitRefusals = new AtomicLong();
        /**
         * What the portal's {@code app.info} says of the app in the marketplace: {@code STATUS} (F, D, T, P, L),
         * {@code PAYMENT_EXPIRED} (Y/N) and {@code DAYS} left (negative once expired, null for none).
         */
        public volatile String appStatus = "P";
        public volatile boolean paymentExpired;
        public volatile Integer daysLeft = 30;

        Portal(String memberId, String domain) {
            this.memberId = memberId;
            this.domain = domain;
            this.pathKey = memberId;
        }
    }

    /** A token pair as the OAuth server issued it. */
    public record Tokens(String accessToken, String refreshToken, long userId, String memberId) {
    }

    /** Answers one REST method for a portal; return the {@code result} value or throw {@link RestError}. */
    @FunctionalInterface
    public interface MethodHandler {
        Object handle(Portal portal, long userId, Map<String, Object> params);
    }

    /** A Bitrix24 error answer from a method handler. */
    public static final class RestError extends RuntimeException {
        final int status;
        final String error;

        public RestError(int status, String error, String description) {
            super(description);
            this.status = status;
            this.error = error;
        }
    }

    /** Writes a whole answer itself: an oversized body, a malformed one, a bare status. */
    @FunctionalInterface
    public interface RawAnswer {
        void write(HttpExchange exchange) throws IOException;
    }

    private record RawFault(RawAnswer answer, AtomicInteger remaining) {
    }

    private record Grant(String memberId, long userId, Instant expiresAt, String server) {
    }

    public static final String ADMIN = "1";

    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final String clientId;
    private final String clientSecret;
    private final Map<String, Portal> portals = new ConcurrentHashMap<>();
    private final Map<String, Grant> accessTokens = new ConcurrentHashMap<>();
    /** Token series by prefix ({@link #issueTokenSeries}). */
    private final Map<String, Grant> tokenSeries = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> operating = new ConcurrentHashMap<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, String> refreshTokenOwners = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedDeque<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, MethodHandler> methods = new ConcurrentHashMap<>();
    private final Map<String, RawFault> rawFaults = new ConcurrentHashMap<>();
    private final AtomicLong rawBytesSent = new AtomicLong();
    private final AtomicInteger oversizedFinished = new AtomicInteger();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile double ratePerSecond = 20;
    private final ImbotEmulation imbot;
    private volatile int rateBurst = 50;

    public Bitrix24Emulator(String clientId, String clientSecret) throws IOException {
        this(clientId, clientSecret, 0);
    }

    /** An emulator listening on {@code port} of 127.0.0.1 (0: any free port). */
    public Bitrix24Emulator(String clientId, String clientSecret, int port) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
        methods.put("profile", (portal, userId, params) -> Map.of(
                "ID", String.valueOf(userId), "ADMIN", portal.admins.getOrDefault(userId, false),
                "NAME", "User " + userId, "LAST_NAME", "Test"));
        methods.put("user.admin", (portal, userId, params) -> portal.admins.getOrDefault(userId, false));
        methods.put("server.time", (portal, userId, params) -> Instant.now().toString());
        methods.put("app.info", (portal, userId, params) -> {
            // The fields of app.info's page (api-reference/common/system/app-info.md).
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("ID", 5);
            info.put("CODE", clientId);
            info.put("VERSION", 1);
            info.put("STATUS", portal.appStatus);
            info.put("INSTALLED", true);
            info.put("PAYMENT_EXPIRED", portal.paymentExpired ? "Y" : "N");
            info.put("DAYS", portal.daysLeft);
            info.put("LANGUAGE_ID", "en");
            info.put("LICENSE", "en_pro100");
            info.put("LICENSE_TYPE", "pro100");
            info.put("LICENSE_FAMILY", "pro");
            return info;
        });
        imbot = new ImbotEmulation(this, clientId);
    }

    /** The portals' chat bots and the messages they sent. */
    public ImbotEmulation imbot() {
        return imbot;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String oauthUrl() {
        return baseUrl() + "/oauth";
    }

    public String secondOauthUrl() {
        return baseUrl() + "/oauth-b";
    }

    /** An OAuth server nobody configured as trusted; the service must never call it. */
    public String rogueOauthUrl() {
        return baseUrl() + "/rogue";
    }

    public String clientEndpoint(Portal portal) {
        String base = portal.endpointBase;
        return (base == null ? baseUrl() : base) + "/portal/" + portal.pathKey + "/rest/";
    }

    // ---- test set-up -------------------------------------------------------------------------

    public Portal createPortal() {
        String memberId = hex(16);
        return createPortal(memberId, "p" + memberId.substring(0, 10) + ".bitrix24.test");
    }

    /** A portal at a given address, e.g. a local page that frames the app in a browser test. */
    public Portal createPortal(String domain) {
        return createPortal(hex(16), domain);
    }

    private Portal createPortal(String memberId, String domain) {
        Portal portal = new Portal(memberId, domain);
        portals.put(memberId, portal);
        return portal;
    }

    public Portal portal(String memberId) {
        return portals.get(memberId);
    }

    /** Tokens for {@code userId} as the OAuth server issues them at install. */
    public Tokens issueTokens(Portal portal, long userId) {
        return issue(portal.memberId, userId, "oauth");
    }

    /**
     * A series of access tokens for {@code userId}, for a load of tokens the service has never seen:
     * the answer is a prefix, and the prefix followed by any decimal number is a token of the series
     * (valid an hour, known to {@code app.info} like an issued one), so a load generator can make a
     * new token per request without the emulator storing each.
     */
    public String issueTokenSeries(Portal portal, long userId) {
        String prefix = hex(8) + "s";
        tokenSeries.put(prefix, new Grant(portal.memberId, userId, Instant.now().plusSeconds(3600), "oauth"));
        return prefix;
    }

    /** The grant behind an access token, issued or of a series; null when there is none. */
    private Grant accessGrant(Object token) {
        String text = String.valueOf(token);
        Grant grant = accessTokens.get(text);
        int cut = text.indexOf('s') + 1;
        if (grant == null && cut > 0 && cut < text.length() && text.substring(cut).chars().allMatch(Character::isDigit)) {
            grant = tokenSeries.get(text.substring(0, cut));
        }
        return grant;
    }

    /** An authorization code for the code flow (lives 30 seconds, single use). */
    public String issueCode(Portal portal, long userId) {
        String code = hex(16);
        codes.put(code, new Grant(portal.memberId, userId, Instant.now().plusSeconds(30), "oauth"));
        return code;
    }

    /** Makes a user of the portal an administrator, or no longer one (as the portal's admin can). */
    public void setAdmin(Portal portal, long userId, boolean admin) {
        portal.admins.put(userId, admin);
    }

    /** Every access token of the portal stops working, as an hour after issue. */
    public void expireAccessTokens(Portal portal) {
        accessTokens.replaceAll((token, grant) -> grant.memberId.equals(portal.memberId)
                ? new Grant(grant.memberId, grant.userId, Instant.now().minusSeconds(1), grant.server)
                : grant);
    }

    /** Every refresh token of the portal stops working, as after 180 days or a revoked app. */
    public void revokeRefreshTokens(Portal portal) {
        refreshTokens.values().removeIf(grant -> grant.memberId.equals(portal.memberId));
    }

    /**
     * An administrator removes the app, as Bitrix24 does it: every token of the app in the portal
     * is revoked (app.info refuses them, refresh answers invalid_grant) and its bots are deleted.
     */
    public void uninstallApp(Portal portal) {
        accessTokens.values().removeIf(grant -> grant.memberId.equals(portal.memberId));
        revokeRefreshTokens(portal);
        imbot.deleteAll(portal);
    }

    /**
     * An administrator installs a new version of the app: Bitrix24 removes its event handlers
     * (event.bind's page), and then sends ONAPPUPDATE, which the caller posts.
     */
    public void updateApp(Portal portal) {
        imbot.dropBindings(portal);
    }

    /**
     * The method's accumulated execution time from now on, as the {@code time} block of its successful
     * answers shows it (settings/performance/limits.md: {@code operating}, {@code operating_reset_at});
     * an OPERATION_TIME_LIMIT error carries no {@code time}, hence the page's advice to use the last success's.
     */
    public void operating(Portal portal, String method, double seconds, Instant resetAt) {
        operating.put(portal.memberId + ":" + method, Map.of("operating", seconds, "operating_reset_at", resetAt.getEpochSecond()));
    }

    private Map<String, Object> time(Portal portal, String method) {
        Map<String, Object> time = new LinkedHashMap<>();
        time.put("start", Instant.now().getEpochSecond());
        time.put("operating", 0);
        time.putAll(operating.getOrDefault(portal.memberId + ":" + method, Map.of()));
        return time;
    }

    /** The portal moves to a new address: the old endpoint answers 302 from now on. */
    public void movePortal(Portal portal) {
        portal.pathKey = portal.memberId + "-moved";
    }

    /** The next {@code times} calls of a portal's REST {@code method} get this answer. */
    public void failNext(Portal portal, String method, int times, Fault fault) {
        queueFault(portal.memberId + ":" + method, times, fault);
    }

    public void failNext(Portal portal, String method, int times, int status, String error) {
        failNext(portal, method, times, Fault.error(status, error));
    }

    /**
     * The next {@code times} calls to the OAuth servers' {@code "oauth/token"} or {@code "app.info"}
     * concerning this portal (its refresh token, code or access token) get this answer.
     */
    public void failNextOAuth(Portal portal, String endpoint, int times, int status, String error) {
        failNextOAuth(portal, endpoint, times, Fault.error(status, error));
    }

    public void failNextOAuth(Portal portal, String endpoint, int times, Fault fault) {
        queueFault(portal.memberId + ":" + endpoint, times, fault);
    }

    private void queueFault(String key, int times, Fault fault) {
        ConcurrentLinkedDeque<Fault> queue = faults.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(fault);
        }
    }

    /** The next {@code times} calls of a portal's REST {@code method} get this raw answer; -1: every call from now on. */
    public void answerRaw(Portal portal, String method, int times, RawAnswer answer) {
        rawFaults.put(portal.memberId + ":" + method, new RawFault(answer, new AtomicInteger(times)));
    }

    /** Like {@link #answerRaw} for the OAuth servers' {@code "oauth/token"} or {@code "app.info"} concerning the portal. */
    public void answerOAuthRaw(Portal portal, String endpoint, int times, RawAnswer answer) {
        rawFaults.put(portal.memberId + ":" + endpoint, new RawFault(answer, new AtomicInteger(times)));
    }

    /** A JSON body as given, with its status. */
    public static RawAnswer rawJson(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        };
    }

    /**
     * A valid JSON answer {@code {"result":"xxx..."}} of {@code bytes} bytes, announced with its
     * Content-Length or sent chunked. Stops when the client hangs up; {@link #rawBytesSent()} counts
     * what was actually written.
     */
    public RawAnswer oversized(long bytes, boolean chunked) {
        return exchange -> {
            byte[] head = "{\"result\":\"".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, chunked ? 0 : bytes);
            byte[] filler = new byte[64 * 1024];
            Arrays.fill(filler, (byte) 'x');
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(head);
                rawBytesSent.addAndGet(head.length);
                long left = bytes - head.length - tail.length;
                while (left > 0) {
                    int n = (int) Math.min(filler.length, left);
                    out.write(filler, 0, n);
                    rawBytesSent.addAndGet(n);
                    left -= n;
                }
                out.write(tail);
                rawBytesSent.addAndGet(tail.length);
            } catch (IOException e) {
                // The client hung up: what a capped reader should do.
            } finally {
                oversizedFinished.incrementAndGet();
            }
        };
    }

    /** Oversized answers written to the end or cut off by the client. */
    public int oversizedFinished() {
        return oversizedFinished.get();
    }

    /** Bytes the raw answers wrote before they finished or the client hung up. */
    public long rawBytesSent() {
        return rawBytesSent.get();
    }

    private RawAnswer nextRaw(String key) {
        RawFault fault = rawFaults.get(key);
        if (fault == null) {
            return null;
        }
        int left = fault.remaining().getAndUpdate(n -> n > 0 ? n - 1 : n);
        if (left == 0) {
            rawFaults.remove(key, fault);
            return null;
        }
        return fault.answer();
    }

    public void setRateLimit(double perSecond, int burst) {
        this.ratePerSecond = perSecond;
        this.rateBurst = burst;
    }

    public void register(String method, MethodHandler handler) {
        methods.put(method, handler);
    }

    /** The portal a refresh token was issued to, even after it was used; "" when never issued. */
    public String refreshTokenOwner(String refreshToken) {
        return refreshToken == null ? "" : refreshTokenOwners.getOrDefault(refreshToken, "");
    }

    /** Refresh requests the OAuth servers received for the portal. */
    public List<Call> refreshes(Portal portal) {
        return calls(c -> c.method().equals("oauth/token") && "refresh_token".equals(c.param("grant_type"))
                && portal.memberId.equals(refreshTokenOwner(c.param("refresh_token"))));
    }

    /** Drops the recorded calls, so a long run (bench/) keeps only those of the phase it reads. */
    public void forgetCalls() {
        calls.clear();
    }

    public List<Call> calls() {
        return new ArrayList<>(calls);
    }

    public List<Call> calls(Predicate<Call> filter) {
        return calls.stream().filter(filter).toList();
    }

    public List<Call> calls(String memberId, String method) {
        return calls(c -> method.equals(c.method()) && memberId.equals(c.memberId()));
    }

    /** The access token the OAuth server last issued for the portal (what a correct client now holds). */
    public Tokens latestTokens(Portal portal) {
        String access = null;
        Instant newest = Instant.MIN;
        for (Map.Entry<String, Grant> entry : accessTokens.entrySet()) {
            Grant grant = entry.getValue();
            if (grant.memberId.equals(portal.memberId) && grant.expiresAt.isAfter(newest)) {
                newest = grant.expiresAt;
                access = entry.getKey();
            }
        }
        String refresh = null;
        for (Map.Entry<String, Grant> entry : refreshTokens.entrySet()) {
            if (entry.getValue().memberId.equals(portal.memberId) && entry.getValue().expiresAt.equals(newest)) {
                refresh = entry.getKey();
            }
        }
        return new Tokens(access, refresh, 0, portal.memberId);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- HTTP --------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            String body = new String(raw, StandardCharsets.UTF_8);
            Map<String, Object> params = params(exchange, body);
            String[] parts = path.split("/");
            // parts[0] is empty: "/oauth/oauth/token/" -> ["", "oauth", "oauth", "token"]
            if (parts.length >= 2 && (parts[1].equals("oauth") || parts[1].equals("oauth-b") || parts[1].equals("rogue"))) {
                String serverName = parts[1];
                String rest = path.substring(serverName.length() + 1);
                if (rest.startsWith("/oauth/token")) {
                    String owner = tokenRequestOwner(params);
                    record(serverName, owner, "oauth/token", params, body);
                    RawAnswer rawToken = nextRaw(owner + ":oauth/token");
                    if (rawToken != null) {
                        rawToken.write(exchange);
                        return;
                    }
                    answer(exchange, withFault(owner + ":oauth/token", () -> token(serverName, params)));
                } else if (rest.startsWith("/rest/app.info")) {
                    Grant grant = accessGrant(params.get("auth"));
                    String owner = grant == null ? null : grant.memberId;
                    record(serverName, owner, "app.info", params, body);
                    RawAnswer rawInfo = nextRaw(owner + ":app.info");
                    if (rawInfo != null) {
                        rawInfo.write(exchange);
                        return;
                    }
                    answer(exchange, withFault(owner + ":app.info", () -> oauthAppInfo(params)));
                } else {
                    answer(exchange, new Answer(404, Map.of("error", "NOT_FOUND")));
                }
                return;
            }
            if (parts.length >= 5 && parts[1].equals("portal") && parts[3].equals("rest")) {
                String pathKey = parts[2];
                String method = parts[4].replaceFirst("\\.json$", "");
                Portal portal = portals.get(pathKey.replaceFirst("-moved$", ""));
                record("portal", portal == null ? null : portal.memberId, method, params, body);
                if (portal == null) {
                    answer(exchange, new Answer(404, Map.of("error", "PORTAL_DELETED", "error_description", "Portal was deleted")));
                } else if (!pathKey.equals(portal.pathKey)) {
                    exchange.getResponseHeaders().add("Location", clientEndpoint(portal) + method);
                    answer(exchange, new Answer(302, Map.of()));
                } else if (nextRaw(portal.memberId + ":" + method) instanceof RawAnswer rawRest) {
                    rawRest.write(exchange);
                } else {
                    sleep(portal.latencyMillis);
                    Fault fault = nextFault(portal.memberId + ":" + method);
                    if (fault != null && fault.status() == 0 && fault.processFirst()) {
                        Answer normal = rest(portal, method, params);
                        sleep(fault.delayMillis());
                        answer(exchange, normal);
                    } else {
                        answer(exchange, toAnswer(fault).orElseGet(() -> rest(portal, method, params)));
                    }
                }
                return;
            }
            answer(exchange, new Answer(404, Map.of("error", "NOT_FOUND")));
        } catch (RuntimeException e) {
            // The JDK server drops a handler's exception silently; name it, but not its message or the
            // query, which may hold tokens.
            System.getLogger(Bitrix24Emulator.class.getName()).log(System.Logger.Level.WARNING,
                    "Emulator failed on {0} {1}: {2} at {3}", exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(), e.getClass().getName(),
                    e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
            throw e;
        }
    }

    private record Answer(int status, Object body) {
    }

    /** The portal an {@code oauth/token} request is about, from its refresh token or code. */
    private String tokenRequestOwner(Map<String, Object> params) {
        if ("refresh_token".equals(params.get("grant_type"))) {
            String owner = refreshTokenOwners.get(String.valueOf(params.get("refresh_token")));
            return owner == null ? "" : owner;
        }
        Grant code = codes.get(String.valueOf(params.get("code")));
        return code == null ? "" : code.memberId;
    }

    /**
     * The answer of an OAuth request with the next injected fault applied; {@link Fault#answerLost}
     * rotates the tokens first and answers late, like a server whose reply is slow to arrive.
     */
    private Answer withFault(String key, Supplier<Answer> normal) {
        Fault fault = nextFault(key);
        if (fault != null && fault.status() == 0 && fault.processFirst()) {
            Answer answer = normal.get();
            sleep(fault.delayMillis());
            return answer;
        }
        return toAnswer(fault).orElseGet(normal);
    }

    private Fault nextFault(String key) {
        ConcurrentLinkedDeque<Fault> queue = faults.get(key);
        return queue == null ? null : queue.poll();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<Answer> toAnswer(Fault fault) {
        if (fault == null) {
            return Optional.empty();
        }
        sleep(fault.delayMillis());
        if (fault.status() == 0) {
            return Optional.empty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", fault.error());
        body.put("error_description", fault.description());
        return Optional.of(new Answer(fault.status(), body));
    }

    private Answer token(String serverName, Map<String, Object> params) {
        if (serverName.equals("rogue")) {
            return new Answer(200, Map.of("access_token", "rogue", "refresh_token", "rogue"));
        }
        if (!clientId.equals(params.get("client_id")) || !clientSecret.equals(params.get("client_secret"))) {
            return new Answer(401, Map.of("error", "invalid_client", "error_description", "Invalid client"));
        }
        String grantType = String.valueOf(params.get("grant_type"));
        Grant grant;
        if ("refresh_token".equals(grantType)) {
            grant = refreshTokens.remove(String.valueOf(params.get("refresh_token")));
            if (grant == null) {
                return new Answer(400, Map.of("error", "invalid_grant", "error_description", "Invalid refresh token"));
            }
        } else if ("authorization_code".equals(grantType)) {
            grant = codes.remove(String.valueOf(params.get("code")));
            if (grant == null || grant.expiresAt.isBefore(Instant.now())) {
                return new Answer(400, Map.of("error", "invalid_grant", "error_description", "Invalid authorization code"));
            }
        } else {
            return new Answer(400, Map.of("error", "invalid_request", "error_description", "Unknown grant_type"));
        }
        Tokens tokens = issue(grant.memberId, grant.userId, serverName);
        Portal portal = portals.get(grant.memberId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", tokens.accessToken());
        body.put("refresh_token", tokens.refreshToken());
        body.put("expires_in", 3600);
        body.put("expires", Instant.now().getEpochSecond() + 3600);
        body.put("scope", "imbot,im");
        body.put("domain", "oauth.bitrix.test");
        body.put("server_endpoint", baseUrl() + "/" + serverName + "/rest/");
        body.put("status", "L");
        body.put("client_endpoint", clientEndpoint(portal));
        body.put("member_id", grant.memberId);
        body.put("user_id", grant.userId);
        return new Answer(200, body);
    }

    private Answer oauthAppInfo(Map<String, Object> params) {
        Grant grant = accessGrant(params.get("auth"));
        if (grant == null) {
            return new Answer(401, Map.of("error", "invalid_token", "error_description", "Unable to get application by token"));
        }
        if (grant.expiresAt.isBefore(Instant.now())) {
            return new Answer(401, Map.of("error", "expired_token", "error_description", "The access token provided has expired."));
        }
        Portal portal = portals.get(grant.memberId);
        Map<String, Object> install = new LinkedHashMap<>();
        install.put("installed", true);
        install.put("version", 1);
        install.put("status", "L");
        install.put("scope", "imbot,im");
        install.put("domain", portal.domain);
        install.put("uri", "https://" + portal.domain);
        install.put("client_endpoint", clientEndpoint(portal));
        install.put("member_id", portal.memberId);
        install.put("member_type", "PORTAL");
        return new Answer(200, Map.of("result", Map.of(
                "client_id", clientId, "scope", "imbot,im", "expires", grant.expiresAt.toString(),
                "install", install, "user_id", grant.userId)));
    }

    private Answer rest(Portal portal, String method, Map<String, Object> params) {
        Grant grant = accessTokens.get(String.valueOf(params.get("auth")));
        if (grant == null || !grant.memberId.equals(portal.memberId)) {
            return new Answer(401, Map.of("error", "NO_AUTH_FOUND", "error_description", "Wrong authorization data"));
        }
        if (grant.expiresAt.isBefore(Instant.now())) {
            return new Answer(401, Map.of("error", "expired_token", "error_description", "The access token provided has expired."));
        }
        double rate = portal.ratePerSecond >= 0 ? portal.ratePerSecond : ratePerSecond;
        if (!portal.bucket.tryTake(rate, portal.rateBurst > 0 ? portal.rateBurst : rateBurst)) {
            portal.limitRefusals.incrementAndGet();
            return new Answer(503, Map.of("error", "QUERY_LIMIT_EXCEEDED", "error_description", "Too many requests"));
        }
        if (method.equals("batch")) {
            return batch(portal, params);
        }
        MethodHandler handler = methods.get(method);
        if (handler == null) {
            return new Answer(404, Map.of("error", "ERROR_METHOD_NOT_FOUND", "error_description", "Method not found!"));
        }
        try {
            Object result = handler.handle(portal, grant.userId, params);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("result", result);
            body.put("time", time(portal, method));
            return new Answer(200, body);
        } catch (RestError e) {
            return new Answer(e.status, Map.of("error", e.error, "error_description", e.getMessage()));
        }
    }

    /**
     * {@code batch} (settings/how-to-call-rest-api/batch.md): one call of the rate limit running up to 50
     * commands ({@code "method?query"}) in order, each recorded as a call of its own on server
     * {@code "batch"} (raw body: the command), beside the {@code "portal"} call that carried them; an
     * injected fault of a command's method becomes that command's {@code result_error}. A value of
     * {@code $result[cmd][field]…} (also {@code $error}, …) is replaced by what the earlier command
     * answered, walking as far as the keys exist, as the portal core does: whole when the value is the
     * reference alone, inside a longer text only when it is a scalar. {@code halt} stops the run at the
     * first error; no {@code cmd} answers an empty batch.
     */
    @SuppressWarnings("unchecked")
    private Answer batch(Portal portal, Map<String, Object> params) {
        Object cmd = params.get("cmd");
        Map<String, Object> commands = cmd instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        boolean halt = "1".equals(String.valueOf(params.get("halt"))) || Boolean.TRUE.equals(params.get("halt"))
                || "Y".equalsIgnoreCase(String.valueOf(params.get("halt"))) || "true".equals(String.valueOf(params.get("halt")));
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> errors = new LinkedHashMap<>();
        int index = 0;
        for (Map.Entry<String, Object> entry : commands.entrySet()) {
            if (halt && !errors.isEmpty()) {
                break;
            }
            if (!(entry.getValue() instanceof String)) {
                continue;
            }
            String key = entry.getKey();
            String command = String.valueOf(entry.getValue());
            int q = command.indexOf('?');
            String method = q < 0 ? command : command.substring(0, q);
            Map<String, Object> sub = (Map<String, Object>) references(nested(q < 0 ? "" : command.substring(q + 1)),
                    Map.of("result", results, "error", errors));
            sub.put("auth", params.get("auth"));
            record("batch", portal.memberId, method, sub, command);
            if (++index > 50) {
                errors.put(key, Map.of("error", "ERROR_BATCH_LENGTH_EXCEEDED", "error_description", "Max batch length exceeded"));
                continue;
            }
            if (method.equals("batch")) {
                errors.put(key, Map.of("error", "ERROR_BATCH_METHOD_NOT_ALLOWED",
                        "error_description", "Method is not allowed for batch usage"));
                continue;
            }
            Fault fault = nextFault(portal.memberId + ":" + method);
            if (fault != null && fault.status() != 0) {
                errors.put(key, Map.of("error", fault.error(), "error_description", fault.description()));
                continue;
            }
            MethodHandler handler = methods.get(method);
            if (handler == null) {
                errors.put(key, Map.of("error", "ERROR_METHOD_NOT_FOUND", "error_description", "Method not found!"));
                continue;
            }
            Grant grant = accessTokens.get(String.valueOf(params.get("auth")));
            try {
                results.put(key, handler.handle(portal, grant.userId, sub));
            } catch (RestError e) {
                errors.put(key, Map.of("error", e.error, "error_description", e.getMessage()));
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        // PHP encodes an empty array as [], not {}.
        result.put("result", results.isEmpty() ? List.of() : results);
        result.put("result_error", errors.isEmpty() ? List.of() : errors);
        result.put("result_total", List.of());
        result.put("result_next", List.of());
        result.put("result_time", List.of());
        return new Answer(200, Map.of("result", result, "time", Map.of("start", Instant.now().getEpochSecond())));
    }

    private static final Pattern BRACKETS = Pattern.compile("\\[([^\\]]*)]");
    private static final Pattern REFERENCE = Pattern.compile("\\$(result|error)((?:\\[[^\\]]*])*)");

    /** {@code value} with batch references replaced from {@code earlier} (see {@link #batch}). */
    @SuppressWarnings("unchecked")
    private static Object references(Object value, Map<String, Object> earlier) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) map).forEach((k, v) -> out.put(k, references(v, earlier)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(v -> references(v, earlier)).toList();
        }
        if (!(value instanceof String text) || !text.contains("$")) {
            return value;
        }
        Matcher whole = REFERENCE.matcher(text);
        if (whole.matches()) {
            return lookUp(earlier.get(whole.group(1)), whole.group(2));
        }
        Matcher inside = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (inside.find()) {
            Object found = lookUp(earlier.get(inside.group(1)), inside.group(2));
            String replacement = found instanceof Map<?, ?> || found instanceof List<?> || found == null ? inside.group()
                    : String.valueOf(found);
            inside.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        inside.appendTail(out);
        return out.toString();
    }

    /** Walks {@code [a][b]…} into {@code root} as far as the keys exist. */
    private static Object lookUp(Object root, String path) {
        Object at = root;
        Matcher key = BRACKETS.matcher(path);
        while (key.find()) {
            Object next = at instanceof Map<?, ?> map ? map.get(key.group(1))
                    : at instanceof List<?> list && key.group(1).matches("[0-9]+") && Integer.parseInt(key.group(1)) < list.size()
                            ? list.get(Integer.parseInt(key.group(1))) : null;
            if (next == null) {
                break;
            }
            at = next;
        }
        return at;
    }

    /** A PHP-style query ({@code a[b][0]=x}) as nested maps, a map keyed 0..n-1 as a list, as PHP's JSON would. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> nested(String query) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, Object> pair : form(query).entrySet()) {
            String key = pair.getKey();
            int open = key.indexOf('[');
            List<String> path = new ArrayList<>();
            path.add(open < 0 ? key : key.substring(0, open));
            Matcher m = BRACKETS.matcher(open < 0 ? "" : key.substring(open));
            while (m.find()) {
                path.add(m.group(1));
            }
            Map<String, Object> at = root;
            for (int i = 0; i < path.size() - 1; i++) {
                at = (Map<String, Object>) at.computeIfAbsent(path.get(i), k -> new LinkedHashMap<String, Object>());
            }
            at.put(path.getLast(), pair.getValue());
        }
        return (Map<String, Object>) lists(root);
    }

    private static Object lists(Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            return value;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        boolean indexed = !map.isEmpty();
        int i = 0;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            indexed &= String.valueOf(i++).equals(entry.getKey());
            out.put(String.valueOf(entry.getKey()), lists(entry.getValue()));
        }
        return indexed ? new ArrayList<>(out.values()) : out;
    }

    private Tokens issue(String memberId, long userId, String serverName) {
        String access = hex(20);
        String refresh = hex(20);
        Instant expires = Instant.now().plusSeconds(3600);
        accessTokens.put(access, new Grant(memberId, userId, expires, serverName));
        refreshTokens.put(refresh, new Grant(memberId, userId, expires, serverName));
        refreshTokenOwners.put(refresh, memberId);
        return new Tokens(access, refresh, userId, memberId);
    }

    private void record(String serverName, String memberId, String method, Map<String, Object> params, String body) {
        calls.add(new Call(serverName, memberId, method, params, body, Instant.now()));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> params(HttpExchange exchange, String body) {
        Map<String, Object> params = new LinkedHashMap<>();
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            params.putAll(form(query));
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && type.startsWith("application/json") && !body.isBlank()) {
            try {
                params.putAll(json.readValue(body, Map.class));
            } catch (IOException e) {
                params.put("_invalid_json", body);
            }
        } else if (!body.isBlank()) {
            params.putAll(form(body));
        }
        return params;
    }

    private static Map<String, Object> form(String encoded) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }

    private void answer(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.body() instanceof Map<?, ?> map && map.isEmpty() && answer.status() == 302
                ? new byte[0]
                : json.writeValueAsBytes(answer.body());
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private String hex(int bytes) {
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        return HexFormat.of().formatHex(data);
    }

    /** Bitrix24's leaky bucket: {@code burst} requests at once, drained at {@code perSecond}. */
    static final class Bucket {
        private double level;
        private long updated = System.nanoTime();

        synchronized boolean tryTake(double perSecond, int burst) {
            long now = System.nanoTime();
            level = Math.max(0, level - (now - updated) / 1e9 * perSecond);
            updated = now;
            if (level + 1 > burst) {
                return false;
            }
            level += 1;
            return true;
        }
    }
}
