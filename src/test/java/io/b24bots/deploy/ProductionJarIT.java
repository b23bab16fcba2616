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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged service (target/quarkus-app, as `./mvnw package` builds it), started as the image starts
 * it: with the start-up cache of docker/train-startup-cache.sh and the replica's JVM flags. It has no dev-mode
 * pages and carries none of the sandbox's or the Bitrix24 emulator's classes.
 */
class ProductionJarIT {

    static final Path APP = Path.of(System.getProperty("b24bots.app.dir", "target/quarkus-app"));
    /** The replica's JVM, as docker/Dockerfile.jvm and docker/train-startup-cache.sh give it. */
    static final List<String> REPLICA_JVM = List.of("-Xmx112m", "-Xss512k", "-XX:ReservedCodeCacheSize=96m",
            "-XX:MetaspaceSize=96m", "-XX:MaxMetaspaceSize=128m", "-XX:+UseSerialGC");
    static final String CLIENT_SECRET = "production-check-secret";
    static final String TOKEN_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    static final Path CLASS_LOAD_LOG = Path.of("target", "production-jar-classes.log").toAbsolutePath();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static EmbeddedPostgres postgres;
    static Process service;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String startupCache = trainStartupCache(java);
        postgres = EmbeddedPostgres.builder().start();
        port = freePort();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(REPLICA_JVM);
        command.addAll(List.of(startupCache, "-Xlog:class+load:file=" + CLASS_LOAD_LOG, "-jar",
                "quarkus-run.jar"));
        // From its own folder, as in the image: the cache names the jars by their paths from there.
        ProcessBuilder builder = new ProcessBuilder(command).directory(APP.toFile());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"));
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", "app.production-check");
        env.put("B24_CLIENT_SECRET", CLIENT_SECRET);
        env.put("B24_PUBLIC_URL", "https://bots.example.com");
        env.put("B24_TOKEN_KEYS", "k1:" + TOKEN_KEY);
        // Production ships without bots and refuses to start with none: one, declared as an operator would.
        env.put("B24_BOTS_SUPPORT_CODE", "support");
        env.put("B24_BOTS_SUPPORT_NAME", "Support");
        File log = Path.of("target", "production-jar.log").toFile();
        service = builder.redirectErrorStream(true).redirectOutput(log).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> get("/q/health/ready").statusCode() == 200);
    }

    /**
     * Runs the image's training step on the packaged service, with this JVM (a cache serves only the JDK that
     * wrote it), and returns the flag it names for reading the cache: an AOT cache on Java 25 and later.
     */
    static String trainStartupCache(String java) throws Exception {
        ProcessBuilder training = new ProcessBuilder("sh", "docker/train-startup-cache.sh", APP.toString());
        Path javaBin = Path.of(java).getParent();
        training.environment().put("PATH", javaBin + File.pathSeparator + System.getenv("PATH"));
        training.environment().put("STARTUP_CACHE_TRAINING_PORT", Integer.toString(freePort()));
        File log = Path.of("target", "startup-cache-training.log").toFile();
        Process process = training.redirectErrorStream(true).redirectOutput(log).start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the training start ended").isTrue();
        assertThat(process.exitValue()).as("train-startup-cache.sh; its output in " + log).isZero();
        assertThat(Files.readString(log.toPath())).as("the training start reached the end of a start").doesNotContain("warning");
        String flag = Files.readString(APP.resolve("startup-cache.args")).trim();
        String cache = flag.substring(flag.indexOf('=') + 1);
        if (Runtime.version().feature() >= 25) {
            assertThat(flag).isEqualTo("-XX:AOTCache=app.aot");
        }
        assertThat(APP.resolve(cache)).isNotEmptyFile();
        return flag;
    }

    /** A stop (SIGTERM, as Kubernetes sends) ends every thread of the service before its beans go: no thread's stack trace. */
    @AfterAll
    static void stop() throws Exception {
        try {
            if (service != null) {
                service.destroy();
                service.waitFor();
                assertThat(Files.readString(Path.of("target", "production-jar.log"))).as("the log of a stop")
                        .doesNotContain("Exception in thread");
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
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

    /**
     * A replica without a console session key (nobody can sign in to the console) still logs no key: Quarkus
     * would make one up for the login cookie and print it.
     */
    @Test
    void theLogNamesNoKey() throws Exception {
        // The form login's key is made when the first request builds the authentication mechanisms.
        assertThat(get("/console").statusCode()).isIn(200, 302, 401, 403);
        String log = Files.readString(Path.of("target", "production-jar.log"));
        assertThat(log).doesNotContainIgnoringCase("temporary key").doesNotContain(TOKEN_KEY).doesNotContain(CLIENT_SECRET);
    }

    /**
     * The cache covers the whole start, not only what precedes the first database connection: the
     * persistence unit, which a start builds after Flyway, comes from it, and so do most classes, the
     * application's own included (the aot-jar packaging puts them on the JVM's class path, where a cache
     * can hold them). An archive of a start that ended at Flyway served about 60% of them; which of the
     * last few hundred the JVM can serve from a cache varies from one training to the next.
     */
    @Test
    void theStartReadsItsClassesFromTheTrainedCache() throws IOException {
        List<String> loads = Files.readAllLines(CLASS_LOAD_LOG).stream().filter(l -> l.contains(" source: ")).toList();
        for (String type : List.of("io.b24bots.jobs.JobWorker", "org.hibernate.internal.SessionFactoryImpl")) {
            assertThat(loads).as(type).anyMatch(l -> l.contains(" " + type + " source: shared objects file"));
        }
        long shared = loads.stream().filter(l -> l.contains("source: shared objects file")).count();
        // An AOT cache of the aot-jar layout served 94% of a start's classes (of 15,200); an AppCDS archive of
        // the fast jar, which the product shipped before, 86%.
        long floor = Runtime.version().feature() >= 25 ? loads.size() * 9 / 10 : loads.size() * 3 / 4;
        assertThat(shared).as("classes read from the cache, of " + loads.size()).isGreaterThan(floor);
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
