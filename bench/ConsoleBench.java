import java.io.IOException;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The operator console with a fleet's worth of data (not part of the tests or CI): embedded PostgreSQL
 * filled with 100,000 portals, 300,000 bots and a million jobs, the packaged service on it (its job
 * workers off, so the data stays as generated), then every console page timed, beside two floors: the
 * service's cheapest answer (/q/health/live) and a database round trip. Writes bench/RESULTS-console.md.
 */
public class ConsoleBench {

    static final int PORTALS = Integer.getInteger("bench.portals", 100_000);
    static final int JOBS = Integer.getInteger("bench.jobs", 1_000_000);
    static final int RUNS = 30;
    static final Duration TARGET = Duration.ofMillis(200);

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path work = root.resolve("bench/work/console");
        Files.createDirectories(work);
        int dbPort = freePort();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(dbPort).setDataDirectory(work.resolve("pg"))
                .setCleanDataDirectory(true).setServerConfig("max_wal_size", "4GB").start()) {
            String jdbc = "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres";
            int port = freePort();
            Process service = start(root, work, jdbc, port);
            try {
                long filled = System.nanoTime();
                fill(jdbc);
                log("filled %,d portals and %,d jobs in %.0f s", PORTALS, JOBS, (System.nanoTime() - filled) / 1e9);
                String explain = System.getProperty("bench.explain");
                if (explain != null) {
                    explain(jdbc, Path.of(explain));
                } else {
                    report(root, measure(port, jdbc));
                }
            } finally {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static Process start(Path root, Path work, String jdbc, int port) throws Exception {
        Path app = root.resolve("target/quarkus-app");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx112m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Db24.bots.echo.api=v1", "-Db24.bots.echo.code=b24bots_echo", "-Db24.bots.echo.type=B", "-Db24.bots.echo.name=Echo",
                "-Db24.bots.helper.api=v2", "-Db24.bots.helper.code=b24bots_helper", "-Db24.bots.helper.type=bot",
                "-Db24.bots.helper.name=Helper", "-jar", "quarkus-run.jar");
        builder.directory(app.toFile());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbc);
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", "bench");
        env.put("B24_CLIENT_SECRET", "bench-secret");
        env.put("B24_PUBLIC_URL", "https://b24bots.bench");
        env.put("B24_TOKEN_KEYS", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        env.put("B24_JOBS_ENABLED", "false");
        env.put("B24_ROLLOUT_ENABLED", "false");
        env.put("B24_CONSOLE_OPERATORS", "bench:" + BcryptUtil.bcryptHash("bench-password", 10));
        env.put("B24_CONSOLE_SESSION_KEY", "bench-console-session-key-0123456789abcdef");
        builder.redirectErrorStream(true).redirectOutput(work.resolve("service.log").toFile());
        Process service = builder.start();
        HttpClient client = HttpClient.newHttpClient();
        long start = System.nanoTime();
        while (true) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited; see " + work.resolve("service.log"));
            }
            try {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return service;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(90)) {
                throw new IllegalStateException("the service was not ready within 90 s");
            }
            Thread.sleep(50);
        }
    }

    /** A fleet as the console would see it after a year: most jobs done, some failed with the usual codes. */
    static void fill(String jdbc) throws Exception {
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "postgres"); Statement sql = db.createStatement()) {
            sql.execute("""
                    insert into portal (member_id, domain, client_endpoint, oauth_server, status, installed_at, uninstalled_at,
                                        app_status, payment_expired, days_left, app_info_at, created_at, updated_at)
                    select md5(i::text), 'p' || i || '.bitrix24.test', 'https://p' || i || '.bitrix24.test/rest/',
                           'https://oauth.bitrix.info', case when i % 20 = 0 then 'uninstalled' when i % 50 = 1 then 'reauth_required' else 'active' end,
                           now() - (i % 400) * interval '1 day' - (i % 1440) * interval '1 minute',
                           case when i % 20 = 0 then now() - (i % 30) * interval '1 day' end,
                           'P', false, 30, now(), now(), now()
                    from generate_series(1, :portals) i""".replace(":portals", Integer.toString(PORTALS)));
            sql.execute("""
                    insert into portal_token (member_id, access_token, refresh_token, key_id, expires_at, version, updated_at)
                    select member_id, '\\x00', '\\x00', 'k1', now() + interval '1 hour', 1, now() from portal""");
            sql.execute("""
                    insert into bot (member_id, config_id, code, api, type, bot_id, status, last_error_code, last_error_text,
                                     attempts, created_at, updated_at)
                    select p.member_id, b.id, b.code, b.api, 'B', 100 + b.n,
                           case when abs(hashtext(p.member_id || b.code)) % 100 = 0 then 'failed' else 'registered' end,
                           case when abs(hashtext(p.member_id || b.code)) % 100 = 0 then (array['ACCESS_DENIED','BOT_CODE_ALREADY_TAKEN','WRONG_REQUEST'])[1 + abs(hashtext(b.code || p.member_id)) % 3] end,
                           null, 1, now(), now()
                    from portal p cross join (values ('echo', 'b24bots_echo', 'v1', 1), ('helper', 'b24bots_helper', 'v2', 2),
                                                     ('support', 'b24bots_support', 'v2', 3)) as b(id, code, api, n)""");
            sql.execute("""
                    insert into job (kind, member_id, payload, status, attempts, run_at, last_error, created_at, updated_at)
                    select (array['bot-event','bot-event','bot-event','register-bots','bind-app-events','send-message'])[1 + i % 6],
                           md5((1 + i % :portals)::text), null,
                           case when i % 25 = 0 then 'failed' when i % 100 = 1 then 'queued' else 'done' end,
                           case when i % 25 = 0 then 10 else 1 end,
                           now() - (i % 86400) * interval '1 second',
                           case when i % 25 = 0 then (array['QUERY_LIMIT_EXCEEDED: too many','ACCESS_DENIED: no','HANDLER_FAILED: x','ABANDONED: y'])[1 + i % 4] end,
                           now() - (i % 604800) * interval '1 second', now() - (i % 604800) * interval '1 second'
                    from generate_series(1, :jobs) i""".replace(":portals", Integer.toString(PORTALS)).replace(":jobs", Integer.toString(JOBS)));
            sql.execute("""
                    insert into operator_action (at, operator, action, member_id, detail)
                    select now() - i * interval '1 minute', 'bench', 'retry-failed-work', md5((1 + i % :portals)::text), 'bench'
                    from generate_series(1, 20000) i""".replace(":portals", Integer.toString(PORTALS)));
            sql.execute("vacuum analyze");
        }
    }

    /** With -Dbench.explain=FILE: the plans of the file's statements (separated by blank lines) on the filled database. */
    static void explain(String jdbc, Path file) throws Exception {
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "postgres"); Statement sql = db.createStatement()) {
            for (String statement : Files.readString(file).split("\n\s*\n")) {
                if (statement.isBlank()) {
                    continue;
                }
                System.out.println("== " + statement.strip());
                try (var plan = sql.executeQuery("explain (analyze, buffers) " + statement)) {
                    while (plan.next()) {
                        System.out.println(plan.getString(1));
                    }
                }
            }
        }
    }

    record Page(String path, long[] nanos) {
    }

    static List<Page> measure(int port, String jdbc) throws Exception {
        HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NEVER).build();
        String base = "http://127.0.0.1:" + port;
        HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create(base + "/console/j_security_check"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("j_username=bench&j_password=bench-password")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (login.statusCode() != 302 || !login.headers().firstValue("Location").orElse("").endsWith("/console")) {
            throw new IllegalStateException("could not sign in: " + login.statusCode() + " " + login.headers());
        }
        String member = md5("4242");
        List<String> paths = List.of("/q/health/live", "/console", "/console/portals", "/console/portals?q=p4242",
                "/console/portals?q=" + member, "/console/portals?status=reauth_required", "/console/portals?code=ACCESS_DENIED",
                "/console/portals?page=150", "/console/portals/" + member, "/console/queue", "/console/queue?set=failed&code=ACCESS_DENIED",
                "/console/queue?set=failed&kind=register-bots&page=100", "/console/queue?set=stuck", "/console/rollout",
                "/console/audit", "/console/audit?portal=" + member);
        List<Page> pages = new ArrayList<>();
        for (String path : paths) {
            long[] nanos = new long[RUNS];
            for (int i = -3; i < RUNS; i++) {
                long start = System.nanoTime();
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                long took = System.nanoTime() - start;
                if (answer.statusCode() != 200) {
                    throw new IllegalStateException(path + " answered " + answer.statusCode());
                }
                if (i >= 0) {
                    nanos[i] = took;
                }
            }
            Arrays.sort(nanos);
            pages.add(new Page(path, nanos));
            log("%-60s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms", path, ms(nanos[RUNS / 2]), ms(nanos[RUNS * 95 / 100]), ms(nanos[RUNS - 1]));
        }
        long[] roundTrips = new long[RUNS];
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "postgres"); Statement sql = db.createStatement()) {
            for (int i = -3; i < RUNS; i++) {
                long start = System.nanoTime();
                sql.execute("select 1");
                if (i >= 0) {
                    roundTrips[i] = System.nanoTime() - start;
                }
            }
        }
        Arrays.sort(roundTrips);
        pages.add(new Page("(floor) select 1 round trip", roundTrips));
        pages.add(new Page("(background) the rollout's progress count", rolloutCount(jdbc)));
        return pages;
    }

    /**
     * The count BotRepository.portalsInStep makes (for the two bots the bench declares): one replica runs it
     * in the background every b24.rollout.progress-age, and the pages read its figures.
     */
    static long[] rolloutCount(String jdbc) throws Exception {
        String count = """
                with d as (select * from unnest(array['b24bots_echo', 'b24bots_helper'], array['fp1', 'fp2']) as t(code, fp)),
                per_portal as (
                    select b.member_id,
                           count(*) filter (where d.code is not null and (b.status in ('failed', 'deleted')
                               or b.turned_off_at is not null or b.status = 'registered' and b.applied_fingerprint = d.fp)) as in_step,
                           count(*) filter (where d.code is null and b.status = 'registered') as undeclared
                    from bot b left join d on d.code = b.code group by b.member_id)
                select count(*) filter (where coalesce(s.in_step, 0) = 2 and coalesce(s.undeclared, 0) = 0), count(*)
                from portal p left join per_portal s on s.member_id = p.member_id where p.status = 'active'""";
        long[] nanos = new long[RUNS];
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "postgres"); Statement sql = db.createStatement()) {
            for (int i = -1; i < RUNS; i++) {
                long start = System.nanoTime();
                sql.executeQuery(count).close();
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - start;
                }
            }
        }
        Arrays.sort(nanos);
        return nanos;
    }

    static void report(Path root, List<Page> pages) throws IOException {
        StringBuilder out = new StringBuilder("""
                # The operator console with a fleet's data

                Written by `bench/console` on %s (%d cores): %,d portals, %,d bots, %,d jobs, 20,000 audit entries in embedded
                PostgreSQL; the packaged service at the shipped heap (`-Xmx112m -XX:+UseSerialGC`), signed in, each page
                fetched %d times after 3 warm-up fetches, one at a time. Target: every page under %d ms. The floors:
                `/q/health/live` (the service's cheapest answer) and a `select 1` round trip. The rollout's progress
                is counted by one replica in the background (every `b24.rollout.progress-age`, 30 s) and read by the
                pages: the last line is what that count costs, not a page.

                | page | p50 ms | p95 ms | max ms | under target |
                | --- | ---: | ---: | ---: | --- |
                """.formatted(LocalDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), PORTALS, PORTALS * 3,
                JOBS, RUNS, TARGET.toMillis()));
        for (Page page : pages) {
            long[] n = page.nanos();
            boolean served = page.path().startsWith("/");
            out.append("| %s | %.1f | %.1f | %.1f | %s |%n".formatted(served ? "`" + page.path() + "`" : page.path(),
                    ms(n[RUNS / 2]), ms(n[RUNS * 95 / 100]), ms(n[RUNS - 1]),
                    !served ? "" : n[RUNS * 95 / 100] < TARGET.toNanos() ? "yes" : "**no**"));
        }
        Files.writeString(root.resolve("bench/RESULTS-console.md"), out);
        log("wrote bench/RESULTS-console.md");
    }

    static String md5(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(text.getBytes()));
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[console-bench] " + format + "%n", args);
    }
}
