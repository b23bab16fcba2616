package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.PackagedService;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

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

    static Bitrix24Emulator bitrix;
    static EmbeddedPostgres postgres;
    static Path dataDir;
    static int dbPort;
    static PackagedService a;
    static PackagedService b;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final List<Portal> firstBurst = new ArrayList<>();
    static final List<Portal> secondBurst = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bitrix = new Bitrix24Emulator(TestEnvironment.CLIENT_ID, TestEnvironment.CLIENT_SECRET);
        dataDir = Files.createTempDirectory("scale-out-pg");
        dbPort = PackagedService.freePort();
        postgres = startPostgres();
        a = launch("replica-a");
        b = launch("replica-b");
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stop() throws IOException {
        for (PackagedService replica : new PackagedService[] {a, b}) {
            if (replica != null) {
                replica.close();
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
            PackagedService frame = i % 2 == 0 ? a : b;
            PackagedService event = frame == a ? b : a;
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
            long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
            for (PackagedService replica : List.of(a, b)) {
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

    static long jobsDone(PackagedService replica) throws Exception {
        Matcher matcher = Pattern.compile("b24_jobs_completed_total\\{kind=\"register-bots\",outcome=\"done\"} ([0-9.E]+)")
                .matcher(get(replica.url("/q/metrics")).body());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    static PackagedService launch(String name) {
        Map<String, String> env = PackagedService.environment(bitrix, "jdbc:postgresql://localhost:" + dbPort + "/postgres");
        // Short leases and polls so a dead replica's work moves within seconds; the emulator allows 20 calls/s.
        env.put("B24_JOBS_LEASE", "PT5S");
        env.put("B24_JOBS_WORKER_NAME", name);
        env.put("B24_JOBS_POLL_INTERVAL", "PT0.5S");
        env.put("B24_REST_REQUESTS_PER_SECOND", "20");
        env.put("B24_REGISTRATION_BACKOFF", "PT0.5S");
        env.put("QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT", "3S");
        return PackagedService.start("scale-out-" + name, env);
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
        return PackagedService.frameBody(bitrix, portal, tokens);
    }

    static String installEventBody(Portal portal, Tokens tokens) {
        return PackagedService.installEventBody(bitrix, portal, tokens);
    }

    static String messageBody(Portal portal, long botId, String text) {
        return PackagedService.messageBody(bitrix, portal, botId, text);
    }

    static String updateEventBody(Portal portal) {
        return form(Map.of("event", "ONAPPUPDATE", "data[VERSION]", "2", "auth[member_id]", portal.memberId,
                "auth[application_token]", "app-" + portal.memberId,
                "auth[access_token]", bitrix.issueTokens(portal, 1).accessToken(),
                "auth[server_endpoint]", bitrix.oauthUrl() + "/rest/"));
    }

    static String form(Map<String, String> fields) {
        return PackagedService.form(fields);
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
}
