package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged service (target/quarkus-app, as `./mvnw package` builds it) has no dev-mode pages
 * and carries none of the sandbox's or the Bitrix24 emulator's classes.
 */
class ProductionJarIT {

    static final Path APP = Path.of(System.getProperty("b24bots.app.dir", "target/quarkus-app"));
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static EmbeddedPostgres postgres;
    static Process service;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", APP.resolve("quarkus-run.jar").toString());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"));
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", "app.production-check");
        env.put("B24_CLIENT_SECRET", "production-check-secret");
        env.put("B24_PUBLIC_URL", "https://bots.example.com");
        env.put("B24_TOKEN_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        // Production ships without bots and refuses to start with none: one, declared as an operator would.
        env.put("B24_BOTS_SUPPORT_CODE", "support");
        env.put("B24_BOTS_SUPPORT_NAME", "Support");
        File log = Path.of("target", "production-jar.log").toFile();
        service = builder.redirectErrorStream(true).redirectOutput(log).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> get("/q/health/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            service.waitFor();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void theDevPagesAreNotThere() throws Exception {
        for (String path : List.of("/", "/dev/portal", "/dev/portal/api/state")) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(post("/dev/portal/api/portals").statusCode()).isIn(404, 405);
        // The service itself runs: its own pages still answer.
        assertThat(get("/b24/app").statusCode()).isNotEqualTo(404);
    }

    @Test
    void noSandboxOrEmulatorClassIsPackaged() throws IOException {
        try (Stream<Path> files = Files.walk(APP)) {
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    assertThat(file.stream().map(e -> e.getName()))
                            .as(jar.toString())
                            .noneMatch(name -> name.startsWith("io/b24bots/sandbox/") || name.startsWith("io/b24bots/testing/"));
                }
            }
        }
        Path appJar;
        try (Stream<Path> files = Files.list(APP.resolve("app"))) {
            appJar = files.filter(f -> f.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        try (JarFile file = new JarFile(appJar.toFile())) {
            // The check above must be able to fail: the app's own classes are in this jar.
            assertThat(file.getEntry("io/b24bots/admin/AppResource.class")).isNotNull();
            assertThat(file.getEntry("META-INF/services/org.eclipse.microprofile.config.spi.ConfigSourceProvider")).isNull();
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
