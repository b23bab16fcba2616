package io.b24bots.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;

/**
 * One process of the packaged service (target/quarkus-app) with the replica's shipped JVM flags, for
 * the integration tests that run it as production does, against the emulator and a PostgreSQL of
 * their own; and the requests Bitrix24 sends it, over real HTTP.
 */
public final class PackagedService implements AutoCloseable {

    public static final Path APP = Path.of(System.getProperty("b24bots.app.dir", "target/quarkus-app"));
    public static final String TOKEN_KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern JAVA_OPTS = Pattern.compile("ENV JAVA_OPTS_APPEND=\"([^\"]*)\"");
    private static final Pattern GC_OPTS = Pattern.compile("ENV GC_CONTAINER_OPTIONS=\"([^\"]*)\"");

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private PackagedService(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * The JVM flags of a replica as docker/Dockerfile.jvm ships them (heap, stacks, code cache,
     * metaspace, collector, exit on out of memory), without its listen address. (The image's start-up cache
     * is not among them: docker/entrypoint.sh adds it, and these replicas start without one.)
     */
    public static List<String> shippedJvmFlags() {
        String dockerfile;
        try {
            dockerfile = Files.readString(Path.of("docker", "Dockerfile.jvm"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> flags = new ArrayList<>();
        for (Pattern pattern : List.of(GC_OPTS, JAVA_OPTS)) {
            Matcher matcher = pattern.matcher(dockerfile);
            if (!matcher.find()) {
                throw new IllegalStateException("docker/Dockerfile.jvm sets no " + pattern);
            }
            Arrays.stream(matcher.group(1).trim().split("\\s+"))
                    .filter(flag -> !flag.startsWith("-Dquarkus.http.host="))
                    .forEach(flags::add);
        }
        return flags;
    }

    /** The settings a test replica needs: the database, the emulator as Bitrix24, and the example bots. */
    public static Map<String, String> environment(Bitrix24Emulator bitrix, String jdbcUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl);
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", TestEnvironment.CLIENT_ID);
        env.put("B24_CLIENT_SECRET", TestEnvironment.CLIENT_SECRET);
        env.put("B24_PUBLIC_URL", "http://b24bots.test");
        env.put("B24_OAUTH_URL", bitrix.oauthUrl());
        env.put("B24_OAUTH_EXTRA_URLS", bitrix.secondOauthUrl());
        env.put("B24_ALLOW_HTTP", "true");
        env.put("B24_TOKEN_KEYS", TOKEN_KEYS);
        // Production ships without bots: they are declared the way an operator does it, in the environment.
        env.put("B24_BOTS_HELPER_API", "v2");
        env.put("B24_BOTS_HELPER_CODE", "b24bots_helper");
        env.put("B24_BOTS_HELPER_EVENT_MODE", "fetch");
        env.put("B24_BOTS_HELPER_NAME", "Helper");
        env.put("B24_BOTS_ECHO_API", "v1");
        env.put("B24_BOTS_ECHO_CODE", "b24bots_echo");
        env.put("B24_BOTS_ECHO_NAME", "Echo");
        return env;
    }

    /** Starts the packaged service; its output goes to target/{name}.log. */
    public static PackagedService start(String name, Map<String, String> environment) {
        try {
            int port = freePort();
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(shippedJvmFlags());
            command.addAll(List.of("-jar", APP.resolve("quarkus-run.jar").toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            Path log = Path.of("target", name + ".log");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            return new PackagedService(name, port, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public PackagedService awaitReady() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> get("/q/health/ready").statusCode() == 200);
        return this;
    }

    public String name() {
        return name;
    }

    public String url(String path) {
        return "http://localhost:" + port + path;
    }

    public Process process() {
        return process;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    public HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---- what Bitrix24 sends ---------------------------------------------------------------------

    public static String applicationToken(Portal portal) {
        return "app-" + portal.memberId;
    }

    /** The iframe install POST of the portal's admin. */
    public static String frameBody(Bitrix24Emulator bitrix, Portal portal, Tokens tokens) {
        return form(Map.of("AUTH_ID", tokens.accessToken(), "AUTH_EXPIRES", "3600", "REFRESH_ID", tokens.refreshToken(),
                "SERVER_ENDPOINT", bitrix.oauthUrl() + "/rest/", "member_id", portal.memberId, "status", "L",
                "PLACEMENT", "DEFAULT", "APPLICATION_TOKEN", applicationToken(portal)));
    }

    public static String installPath(Portal portal) {
        return "/b24/install?DOMAIN=" + portal.domain + "&PROTOCOL=1&LANG=en";
    }

    public static String installEventBody(Bitrix24Emulator bitrix, Portal portal, Tokens tokens) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("event", "ONAPPINSTALL");
        fields.put("data[VERSION]", "1");
        fields.put("data[LANGUAGE_ID]", "en");
        fields.put("auth[access_token]", tokens.accessToken());
        fields.put("auth[refresh_token]", tokens.refreshToken());
        fields.put("auth[expires_in]", "3600");
        fields.put("auth[member_id]", portal.memberId);
        fields.put("auth[domain]", portal.domain);
        fields.put("auth[server_endpoint]", bitrix.oauthUrl() + "/rest/");
        fields.put("auth[application_token]", applicationToken(portal));
        return form(fields);
    }

    /** A user's private message to a v1 bot, with the tokens Bitrix24 puts in a real event: the bot's own and the author's. */
    public static String messageBody(Bitrix24Emulator bitrix, Portal portal, long botId, String text) {
        return messageBody(bitrix, portal, botId, text, bitrix.issueTokens(portal, botId).accessToken());
    }

    /** The same with a given bot token: a forged event carries one Bitrix24 never issued. */
    public static String messageBody(Bitrix24Emulator bitrix, Portal portal, long botId, String text, String botToken) {
        return messageBody(bitrix, portal, botId, text, botToken, bitrix.issueTokens(portal, 7).accessToken(), text.hashCode());
    }

    /** The same with every token given (ones already proven cost the service no check) and its own message id. */
    public static String messageBody(Bitrix24Emulator bitrix, Portal portal, long botId, String text, String botToken,
            String authorToken, long messageId) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("event", "ONIMBOTMESSAGEADD");
        fields.put("data[BOT][" + botId + "][BOT_ID]", Long.toString(botId));
        fields.put("data[BOT][" + botId + "][BOT_CODE]", "b24bots_echo");
        fields.put("data[PARAMS][DIALOG_ID]", "7");
        fields.put("data[PARAMS][MESSAGE]", text);
        fields.put("data[PARAMS][MESSAGE_ID]", Long.toString(messageId));
        fields.put("data[PARAMS][FROM_USER_ID]", "7");
        fields.put("data[USER][ID]", "7");
        fields.put("data[USER][IS_BOT]", "N");
        fields.put("data[PARAMS][MESSAGE_TYPE]", "P");
        fields.put("data[BOT][" + botId + "][access_token]", botToken);
        fields.put("data[BOT][" + botId + "][server_endpoint]", bitrix.oauthUrl() + "/rest/");
        fields.put("auth[access_token]", authorToken);
        fields.put("auth[server_endpoint]", bitrix.oauthUrl() + "/rest/");
        fields.put("auth[member_id]", portal.memberId);
        fields.put("auth[application_token]", applicationToken(portal));
        return form(fields);
    }

    public static String form(Map<String, String> fields) {
        StringJoiner body = new StringJoiner("&");
        fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return body.toString();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
