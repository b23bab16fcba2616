package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.TestEnvironment;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Several replicas on one database, for real: two processes of the packaged application (started
 * together, so their Flyway migrations race), one PostgreSQL and the Bitrix24 emulator. Installs
 * spread over both, a shared token expiry, a replica killed with SIGKILL mid-burst, and the
 * database going away and coming back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {

    static final int FIRST_BURST = 200;
    static final int SECOND_BURST = 100;
    static final String KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    static Bitrix24Emulator bitrix;
    static EmbeddedPostgres postgres;
    static Path dataDir;
    static int dbPort;
    static Replica a;
    static Replica b;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final List<Portal> firstBurst = new ArrayList<>();
    static final List<Portal> secondBurst = new ArrayList<>();

    /** One running process of the packaged service. */
    record Replica(String name, int port, Process process) {
        String url(String path) {
            return "http://localhost:" + port + path;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        bitrix = new Bitrix24Emulator(TestEnvironment.CLIENT_ID, TestEnvironment.CLIENT_SECRET);
        dataDir = Files.createTempDirectory("scale-out-pg");
        dbPort = freePort();
        postgres = startPostgres();
        a = launch("replica-a");
        b = launch("replica-b");
        for (Replica replica : List.of(a, b)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(() -> get(replica.url("/q/health/ready")).statusCode() == 200);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (Replica replica : new Replica[] {a, b}) {
            if (replica != null) {
                replica.process().destroyForcibly();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
        if (bitrix != null) {
            bitrix.close();
        }
    }

    @Test
    @Order(1)
    void theImageCopiesWhatTheBuildProduces() {
        Path app = Path.of(System.getProperty("b24bots.app.dir", "target/quarkus-app"));
        for (String part : List.of("lib", "app", "quarkus", "quarkus-run.jar")) {
            assertThat(app.resolve(part)).as("docker/Dockerfile.jvm copies " + part).exists();
        }
    }

    @Test
    @Order(2)
    void installsSpreadOverBothReplicasRegisterEveryBotExactlyOnce() throws Exception {
        for (int i = 0; i < FIRST_BURST; i++) {
            firstBurst.add(bitrix.createPortal());
        }
        runConcurrently(firstBurst, (portal, i) -> {
            Replica frame = i % 2 == 0 ? a : b;
            Replica event = frame == a ? b : a;
            Tokens first = bitrix.issueTokens(portal, 1);
            Tokens second = bitrix.issueTokens(portal, 1);
            assertThat(post(frame.url("/b24/install?DOMAIN=" + portal.domain + "&PROTOCOL=1&LANG=en"),
                    frameBody(portal, first)).statusCode()).isEqualTo(200);
            assertThat(post(event.url("/b24/events"), installEventBody(portal, second)).statusCode()).isEqualTo(200);
        });

        awaitAllRegistered(firstBurst);
        for (Portal portal : firstBurst) {
            assertThat(bitrix.imbot().liveBots(portal, "b24bots_helper")).hasSize(1);
            assertThat(bitrix.imbot().liveBots(portal, "b24bots_echo")).hasSize(1);
            assertThat(bitrix.calls(portal.memberId, "imbot.register")).as("v1 registered once").hasSize(1);
        }
        assertThat(scalar("select count(*) from job where kind = 'register-bots' and status <> 'done'")).isZero();
        assertThat(scalar("select count(*) from job where kind = 'register-bots' and attempts > 1")).as("no job ran twice").isZero();
        assertThat(jobsDone(a)).as("replica a took jobs").isPositive();
        assertThat(jobsDone(b)).as("replica b took jobs").isPositive();
    }

    @Test
    @Order(3)
    void aTokenExpiryIsRefreshedOncePerPortalAcrossReplicas() throws Exception {
        for (Portal portal : firstBurst) {
            bitrix.expireAccessTokens(portal);
        }
        runConcurrently(firstBurst, (portal, i) -> {
            long echo = bitrix.imbot().liveBots(portal, "b24bots_echo").getFirst().id;
            for (Replica replica : List.of(a, b)) {
                assertThat(post(replica.url("/b24/events"), messageBody(portal, echo, "from " + replica.name())).statusCode())
                        .isEqualTo(200);
            }
        });

        await().atMost(Duration.ofSeconds(120)).until(() -> firstBurst.stream()
                .allMatch(p -> bitrix.imbot().messages(p).size() == 2));
        for (Portal portal : firstBurst) {
            assertThat(bitrix.refreshes(portal)).as("refreshes of " + portal.memberId).hasSize(1);
            assertThat(bitrix.imbot().messages(portal)).as("one reply per event").hasSize(2);
        }
    }

    @Test
    @Order(4)
    void whenAReplicaIsKilledMidBurstTheOtherFinishesTheWork() throws Exception {
        for (int i = 0; i < SECOND_BURST; i++) {
            secondBurst.add(bitrix.createPortal());
        }
        ExecutorService killer = Executors.newSingleThreadExecutor();
        Future<List<Long>> kill = killer.submit(() -> {
            // Kill a while it holds work: as soon as it has leased jobs of this burst.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                    scalar("select count(*) from job where status = 'running' and locked_by like 'replica-a%'") > 0);
            a.process().destroyForcibly().waitFor();
            return ids("select id from job where status = 'running' and locked_by like 'replica-a%'");
        });
        runConcurrently(secondBurst, (portal, i) -> {
            // The iframe goes to a (which dies), the event to b, as two requests from Bitrix24 would.
            try {
                post(a.url("/b24/install?DOMAIN=" + portal.domain + "&PROTOCOL=1&LANG=en"),
                        frameBody(portal, bitrix.issueTokens(portal, 1)));
            } catch (IOException e) {
                // Connection refused once a is gone.
            }
            assertThat(post(b.url("/b24/events"), installEventBody(portal, bitrix.issueTokens(portal, 1))).statusCode())
                    .isEqualTo(200);
        });
        List<Long> abandoned = kill.get();
        killer.shutdown();
        assertThat(a.process().isAlive()).isFalse();
        assertThat(abandoned).as("jobs a held when it was killed").isNotEmpty();

        awaitAllRegistered(secondBurst);
        for (Portal portal : secondBurst) {
            assertThat(bitrix.imbot().liveBots(portal, "b24bots_helper")).hasSize(1);
            assertThat(bitrix.imbot().liveBots(portal, "b24bots_echo")).hasSize(1);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> scalar("select count(*) from job where status in ('queued', 'running')") == 0);
        assertThat(scalar("select count(*) from job where status = 'failed'")).isZero();
        for (long id : abandoned) {
            assertThat(scalar("select count(*) from job where id = " + id + " and status = 'done'")).as("job " + id).isEqualTo(1);
        }
    }

    @Test
    @Order(5)
    void theDatabaseGoingAwayGives503AndTheServiceRecoversByItself() throws Exception {
        Portal portal = firstBurst.getFirst();
        postgres.close();

        HttpResponse<String> refused = post(b.url("/b24/events"), updateEventBody(portal));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("temporarily_unavailable").doesNotContain("Exception");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        await().atMost(Duration.ofSeconds(30)).until(() -> get(b.url("/q/health/ready")).statusCode() == 503);

        postgres = startPostgres();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> get(b.url("/q/health/ready")).statusCode() == 200);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> post(b.url("/b24/events"), updateEventBody(portal)).statusCode() == 200);
    }

    // ---- helpers -------------------------------------------------------------------------------

    interface PortalTask {
        void run(Portal portal, int index) throws Exception;
    }

    static void runConcurrently(List<Portal> portals, PortalTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < portals.size(); i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    task.run(portals.get(index), index);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    static void awaitAllRegistered(List<Portal> portals) {
        StringJoiner ids = new StringJoiner("','", "'", "'");
        portals.forEach(p -> ids.add(p.memberId));
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> scalar(
                "select count(*) from bot where status = 'registered' and member_id in (" + ids + ")") == portals.size() * 2L);
    }

    static long jobsDone(Replica replica) throws Exception {
        Matcher matcher = Pattern.compile("b24_jobs_completed_total\\{kind=\"register-bots\",outcome=\"done\"} ([0-9.E]+)")
                .matcher(get(replica.url("/q/metrics")).body());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    static Replica launch(String name) throws IOException {
        int port = freePort();
        Path app = Path.of(System.getProperty("b24bots.app.dir", "target/quarkus-app"));
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx384m", "-jar", app.resolve("quarkus-run.jar").toString());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + dbPort + "/postgres");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", TestEnvironment.CLIENT_ID);
        env.put("B24_CLIENT_SECRET", TestEnvironment.CLIENT_SECRET);
        env.put("B24_PUBLIC_URL", "http://b24bots.test");
        env.put("B24_OAUTH_URL", bitrix.oauthUrl());
        env.put("B24_OAUTH_EXTRA_URLS", bitrix.secondOauthUrl());
        env.put("B24_ALLOW_HTTP", "true");
        env.put("B24_TOKEN_KEYS", KEYS);
        // Production ships without bots: they are declared the way an operator does it, in the environment.
        env.put("B24_BOTS_HELPER_API", "v2");
        env.put("B24_BOTS_HELPER_CODE", "b24bots_helper");
        env.put("B24_BOTS_HELPER_EVENT_MODE", "fetch");
        env.put("B24_BOTS_HELPER_NAME", "Helper");
        env.put("B24_BOTS_ECHO_API", "v1");
        env.put("B24_BOTS_ECHO_CODE", "b24bots_echo");
        env.put("B24_BOTS_ECHO_NAME", "Echo");
        // Short leases and polls so a dead replica's work moves within seconds; the emulator allows 20 calls/s.
        env.put("B24_JOBS_LEASE", "PT5S");
        env.put("B24_JOBS_WORKER_NAME", name);
        env.put("B24_JOBS_POLL_INTERVAL", "PT0.5S");
        env.put("B24_REST_REQUESTS_PER_SECOND", "20");
        env.put("B24_REGISTRATION_BACKOFF", "PT0.5S");
        env.put("QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT", "3S");
        File log = Path.of("target", "scale-out-" + name + ".log").toFile();
        builder.redirectErrorStream(true).redirectOutput(log);
        return new Replica(name, port, builder.start());
    }

    static EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder().setPort(dbPort).setDataDirectory(dataDir).setCleanDataDirectory(false).start();
    }

    static long scalar(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://localhost:" + dbPort + "/postgres",
                "postgres", "postgres"); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    static List<Long> ids(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://localhost:" + dbPort + "/postgres",
                "postgres", "postgres"); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            List<Long> ids = new ArrayList<>();
            while (result.next()) {
                ids.add(result.getLong(1));
            }
            return ids;
        }
    }

    static String frameBody(Portal portal, Tokens tokens) {
        return form(Map.of("AUTH_ID", tokens.accessToken(), "AUTH_EXPIRES", "3600", "REFRESH_ID", tokens.refreshToken(),
                "SERVER_ENDPOINT", bitrix.oauthUrl() + "/rest/", "member_id", portal.memberId, "status", "L",
                "PLACEMENT", "DEFAULT", "APPLICATION_TOKEN", "app-" + portal.memberId));
    }

    static String installEventBody(Portal portal, Tokens tokens) {
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
        fields.put("auth[application_token]", "app-" + portal.memberId);
        return form(fields);
    }

    static String messageBody(Portal portal, long botId, String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("event", "ONIMBOTMESSAGEADD");
        fields.put("data[BOT][" + botId + "][BOT_ID]", Long.toString(botId));
        fields.put("data[BOT][" + botId + "][BOT_CODE]", "b24bots_echo");
        fields.put("data[PARAMS][DIALOG_ID]", "7");
        fields.put("data[PARAMS][MESSAGE]", text);
        fields.put("data[PARAMS][MESSAGE_ID]", Integer.toString(text.hashCode()));
        fields.put("data[PARAMS][FROM_USER_ID]", "7");
        fields.put("data[USER][ID]", "7");
        fields.put("data[USER][IS_BOT]", "N");
        fields.put("data[PARAMS][MESSAGE_TYPE]", "P");
        // The tokens Bitrix24 puts in a real event: the bot's own and the author's.
        fields.put("data[BOT][" + botId + "][access_token]", bitrix.issueTokens(portal, botId).accessToken());
        fields.put("data[BOT][" + botId + "][server_endpoint]", bitrix.oauthUrl() + "/rest/");
        fields.put("auth[access_token]", bitrix.issueTokens(portal, 7).accessToken());
        fields.put("auth[server_endpoint]", bitrix.oauthUrl() + "/rest/");
        fields.put("auth[member_id]", portal.memberId);
        fields.put("auth[application_token]", "app-" + portal.memberId);
        return form(fields);
    }

    static String updateEventBody(Portal portal) {
        return form(Map.of("event", "ONAPPUPDATE", "data[VERSION]", "2", "auth[member_id]", portal.memberId,
                "auth[application_token]", "app-" + portal.memberId,
                "auth[access_token]", bitrix.issueTokens(portal, 1).accessToken(),
                "auth[server_endpoint]", bitrix.oauthUrl() + "/rest/"));
    }

    static String form(Map<String, String> fields) {
        StringJoiner body = new StringJoiner("&");
        new HashMap<>(fields).forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return body.toString();
    }

    static HttpResponse<String> post(String url, String form) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
