package io.b24bots.console;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.restassured.RestAssured;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * An OpenID Connect provider over real HTTP for the console's code-flow test: discovery, JWKS, an
 * authorization endpoint that signs in whoever {@link #signInAs} names (no login form), and a token
 * endpoint that checks the client's secret and the code, and answers RS256-signed ID tokens with the
 * user's {@code groups}. It counts the token requests it got.
 *
 * <p>The test profile and the test class live in different class loaders, so they share one provider
 * through a system property holding its address, and the test steers it over HTTP ({@code /control/*}).
 */
final class OidcProvider implements AutoCloseable {

    record User(String name, List<String> groups) {
    }

    private record Grant(User user, String clientId, String redirectUri, String nonce) {
    }

    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final String clientId;
    private final String secret;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private volatile User user = new User("olga", List.of("b24bots-operator"));
    private final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();

    private static final String URL_PROPERTY = "b24bots.test.oidc-provider";

    /** The one provider of this JVM, started on first use; its address. */
    static synchronized String shared() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null) {
            try {
                url = new OidcProvider("b24bots-console", "provider-secret").url();
            } catch (IOException | JoseException e) {
                throw new IllegalStateException(e);
            }
            System.setProperty(URL_PROPERTY, url);
        }
        return url;
    }

    OidcProvider(String clientId, String secret) throws IOException, JoseException {
        this.clientId = clientId;
        this.secret = secret;
        key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("test-key");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void signInAs(String name, List<String> groups) {
        user = new User(name, groups);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/.well-known/openid-configuration" -> json(exchange, 200, Map.of(
                        "issuer", url(),
                        "authorization_endpoint", url() + "/authorize",
                        "token_endpoint", url() + "/token",
                        "jwks_uri", url() + "/jwks",
                        "response_types_supported", List.of("code"),
                        "subject_types_supported", List.of("public"),
                        "id_token_signing_alg_values_supported", List.of("RS256")));
                case "/jwks" -> {
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    send(exchange, 200, "{\"keys\":[" + key.toJson() + "]}");
                }
                case "/authorize" -> authorize(exchange);
                case "/control/user" -> {
                    Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
                    signInAs(query.get("name"), List.of(query.getOrDefault("groups", "").split(",")));
                    send(exchange, 200, "ok");
                }
                case "/control/token-requests" -> send(exchange, 200, String.valueOf(tokenRequests.size()));
                case "/token" -> token(exchange);
                default -> send(exchange, 404, "not found");
            }
        } catch (RuntimeException | JoseException e) {
            send(exchange, 500, e.toString());
        }
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
        if (!clientId.equals(query.get("client_id")) || !"code".equals(query.get("response_type"))) {
            send(exchange, 400, "bad authorization request");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, new Grant(user, query.get("client_id"), query.get("redirect_uri"), query.get("nonce")));
        String back = query.get("redirect_uri") + (query.get("redirect_uri").contains("?") ? "&" : "?") + "code=" + code
                + "&state=" + URLEncoder.encode(query.getOrDefault("state", ""), StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Location", back);
        send(exchange, 302, "");
    }

    private void token(HttpExchange exchange) throws IOException, JoseException {
        Map<String, String> body = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        tokenRequests.add(body);
        String basic = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        boolean clientOk = expected.equals(basic) || clientId.equals(body.get("client_id")) && secret.equals(body.get("client_secret"));
        Grant grant = codes.remove(body.getOrDefault("code", ""));
        if (!clientOk) {
            json(exchange, 401, Map.of("error", "invalid_client"));
            return;
        }
        if (grant == null || !"authorization_code".equals(body.get("grant_type")) || !grant.redirectUri().equals(body.get("redirect_uri"))) {
            json(exchange, 400, Map.of("error", "invalid_grant", "error_description", grant == null ? "unknown code"
                    : "redirect_uri " + body.get("redirect_uri") + " is not " + grant.redirectUri()));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", sign(grant, "access"));
        answer.put("id_token", sign(grant, "id"));
        answer.put("token_type", "Bearer");
        answer.put("expires_in", 300);
        json(exchange, 200, answer);
    }

    private String sign(Grant grant, String use) throws JoseException {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(url());
        claims.setSubject("sub-" + grant.user().name());
        claims.setAudience(grant.clientId());
        claims.setIssuedAt(NumericDate.fromSeconds(Instant.now().getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(Instant.now().getEpochSecond() + 300));
        claims.setClaim("preferred_username", grant.user().name());
        claims.setStringListClaim("groups", grant.user().groups());
        claims.setClaim("typ", "id".equals(use) ? "ID" : "Bearer");
        if (grant.nonce() != null && "id".equals(use)) {
            claims.setClaim("nonce", grant.nonce());
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private void json(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, status, json.writeValueAsString(body));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Tells the provider at {@code url} whom to sign in next. */
    static void signInAs(String url, String name, String groups) {
        RestAssured.given().queryParam("name", name).queryParam("groups", groups).get(url + "/control/user")
                .then().statusCode(200);
    }

    /** How many token requests the provider at {@code url} has answered. */
    static int tokenRequests(String url) {
        return Integer.parseInt(RestAssured.given().get(url + "/control/token-requests").asString());
    }
}
