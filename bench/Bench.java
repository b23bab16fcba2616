import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Field;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The benchmark behind bench/run: embedded PostgreSQL, the Bitrix24 emulator (installs, app.info),
 * the packaged service as its own process, wrk (saturation) and a fixed-rate Java client (its own
 * process) as load generators, and the floors of the same machine in the same run; writes
 * bench/RESULTS.md. Not a test: nothing here runs in the build or in CI.
 */
public class Bench {

    static final String CLIENT_ID = "local.bench.b24bots";
    static final String CLIENT_SECRET = "bench-secret";
    static final String KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final int PORTALS = Integer.getInteger("bench.portals", 1000);
    static final int RUNS = Integer.getInteger("bench.runs", 3);
    static final int SECONDS = Integer.getInteger("bench.seconds", 5);
    static final int CONNECTIONS = 16;
    static final int FIXED_RATE = 1000;

    static Path work;
    static Path root;
    static int dbPort;
    static Bitrix24Emulator bitrix;
    static EmbeddedPostgres postgres;
    static Process service;
    static int port;
    static final List<String> notes = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("rate")) {
            fixedRate(args);
            return;
        }
        root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        work = root.resolve("bench/work");
        Files.createDirectories(work);
        String label = System.getProperty("bench.label", "current");
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        try {
            run(figures);
        } finally {
            if (service != null) {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
                service.destroyForcibly();
            }
            if (postgres != null) {
                postgres.close();
            }
            if (bitrix != null) {
                bitrix.close();
            }
        }
        writeResults(label, figures);
    }

    static void run(Map<String, List<Double>> figures) throws Exception {
        bitrix = new Bitrix24Emulator(CLIENT_ID, CLIENT_SECRET);
        // The stub portal must not be what limits the service: Bitrix24's own limit is scenario 3's business.
        bitrix.setRateLimit(1_000_000, 1_000_000);
        dbPort = freePort();
        Path data = work.resolve("pg");
        deleteTree(data);
        postgres = EmbeddedPostgres.builder().setPort(dbPort).setDataDirectory(data).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "200")
                // The embedded server starts with fsync off (-F); durable means flushed, for the
                // service and for the pgbench floor alike.
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start();
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet fsync = statement.executeQuery("select current_setting('fsync'), current_setting('synchronous_commit')")) {
            fsync.next();
            log("PostgreSQL %s: fsync=%s, synchronous_commit=%s", postgres.getJdbcUrl("postgres", "postgres"),
                    fsync.getString(1), fsync.getString(2));
            if (!"on".equals(fsync.getString(1))) {
                throw new IllegalStateException("PostgreSQL runs with fsync off: the durable-write figures would mean nothing");
            }
        }

        // Phase 1: installs, through the real install flow, with the worker registering the bots.
        long installStart = System.nanoTime();
        startService(true, "install");
        List<Portal> portals = install();
        log("installed %d portals with their bots in %.1f s", portals.size(), (System.nanoTime() - installStart) / 1e9);
        stopService();

        // Phase 2: the intake alone (worker off, so the figure is the intake's, not the replies').
        double startup = startService(false, "intake");
        figures.computeIfAbsent("startup_s", k -> new ArrayList<>()).add(startup);
        Path bodies = writeBodies(portals);

        // Warm-up: JIT, connection pools and one app.info per token (proofs are then cached).
        wrk("/b24/events", bodies.resolve("events.lua"), 20, CONNECTIONS, 0);
        long base = jobCount();
        long answered = 0;
        for (int run = 1; run <= RUNS; run++) {
            Wrk floor = wrk("/b24/events", bodies.resolve("ignored.lua"), SECONDS, CONNECTIONS, 0);
            add(figures, "floor_http_rps", floor.rps);
            add(figures, "floor_http_p99_ms", floor.p99);
            Wrk sat = wrk("/b24/events", bodies.resolve("events.lua"), SECONDS, CONNECTIONS, run * 100_000_000L);
            add(figures, "intake_rps", sat.rps);
            add(figures, "intake_p50_ms", sat.p50);
            add(figures, "intake_p99_ms", sat.p99);
            answered += sat.ok;
            if (sat.errors > 0) {
                notes.add("run " + run + ": " + sat.errors + " non-2xx answers or socket errors at saturation");
            }
            Fixed fixed = fixedRate(bodies.resolve("events.txt"), FIXED_RATE, SECONDS, run * 100_000_000L + 50_000_000L);
            add(figures, "fixed_rate_achieved", fixed.achieved);
            add(figures, "fixed_p50_ms", fixed.p50);
            add(figures, "fixed_p99_ms", fixed.p99);
            answered += fixed.ok;
            if (fixed.errors > 0) {
                notes.add("run " + run + ": " + fixed.errors + " failed requests at " + FIXED_RATE + "/s");
            }
            double[] pg = pgbench();
            add(figures, "floor_pg_tps_c1", pg[0]);
            add(figures, "floor_pg_tps_c8", pg[1]);
            add(figures, "rss_mb", rssMb());
        }
        long stored = jobCount() - base;
        add(figures, "answered_200", answered);
        add(figures, "stored_jobs", stored);
        add(figures, "lost", Math.max(0, answered - stored));
        double[] claim = claimCost();
        add(figures, "claim_ms_100", claim[0]);
        add(figures, "claim_ms_100000", claim[1]);
        stopService();
    }

    // ---- the service ----------------------------------------------------------------------------

    static double startService(boolean worker, String name) throws Exception {
        port = freePort();
        Path app = Path.of(System.getProperty("bench.app", root.resolve("target/quarkus-app").toString()))
                .resolve("quarkus-run.jar");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        // The heap a small replica gets (deploy/deployment.yaml: 768 MiB limit); without a bound the
        // JVM takes a quarter of this machine's memory and RSS says nothing.
        command.addAll(List.of(System.getProperty("bench.service-jvm", "-Xmx256m").split(" ")));
        String jfr = System.getProperty("bench.jfr", "");
        if (!jfr.isEmpty() && !worker) {
            command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
        }
        // A v2 webhook bot beside the built-in v1 echo bot, so both event formats are measured.
        command.addAll(List.of("-Db24.bots.support.api=v2", "-Db24.bots.support.code=b24bots_support",
                "-Db24.bots.support.type=bot", "-Db24.bots.support.event-mode=webhook", "-Db24.bots.support.name=Support",
                "-jar", app.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("B24_CLIENT_ID", CLIENT_ID);
        env.put("B24_CLIENT_SECRET", CLIENT_SECRET);
        env.put("B24_PUBLIC_URL", "http://b24bots.bench");
        env.put("B24_OAUTH_URL", bitrix.oauthUrl());
        env.put("B24_ALLOW_HTTP", "true");
        env.put("B24_TOKEN_KEYS", KEYS);
        env.put("B24_INSTALL_PORTAL_DOMAINS", "bitrix24.test");
        env.put("B24_INSTALL_FAILED_PROOFS_PER_MINUTE", "100000");
        env.put("B24_REST_REQUESTS_PER_SECOND", "1000");
        env.put("B24_JOBS_ENABLED", Boolean.toString(worker));
        env.put("B24_JOBS_MAX_QUEUED_PER_PORTAL", "10000000");
        env.put("B24_JOBS_POLL_INTERVAL", "PT0.5S");
        builder.redirectErrorStream(true).redirectOutput(work.resolve("service-" + name + ".log").toFile());
        long start = System.nanoTime();
        service = builder.start();
        while (true) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited; see bench/work/service-" + name + ".log");
            }
            try {
                if (get("/q/health/ready") == 200) {
                    break;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(90)) {
                throw new IllegalStateException("the service was not ready within 90 s");
            }
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log("service (%s) ready in %.2f s on port %d", name, seconds, port);
        return seconds;
    }

    static void stopService() throws InterruptedException {
        service.destroy();
        service.waitFor(40, TimeUnit.SECONDS);
        service.destroyForcibly().waitFor();
        service = null;
    }

    static double rssMb() throws IOException {
        // VmHWM: the highest resident set the process has had, i.e. at saturation.
        for (String line : Files.readAllLines(Path.of("/proc/" + service.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    // ---- installs ---------------------------------------------------------------------------------

    static List<Portal> install() throws Exception {
        List<Portal> portals = new ArrayList<>();
        for (int i = 0; i < PORTALS; i++) {
            portals.add(bitrix.createPortal());
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (Portal portal : portals) {
            done.add(pool.submit(() -> {
                var first = bitrix.issueTokens(portal, 1);
                var second = bitrix.issueTokens(portal, 1);
                check(post("/b24/install?DOMAIN=" + portal.domain + "&PROTOCOL=1&LANG=en", form(Map.of(
                        "AUTH_ID", first.accessToken(), "AUTH_EXPIRES", "3600", "REFRESH_ID", first.refreshToken(),
                        "SERVER_ENDPOINT", bitrix.oauthUrl() + "/rest/", "member_id", portal.memberId, "status", "L",
                        "PLACEMENT", "DEFAULT", "APPLICATION_TOKEN", appToken(portal)))), "install frame");
                Map<String, String> event = new LinkedHashMap<>();
                event.put("event", "ONAPPINSTALL");
                event.put("data[VERSION]", "1");
                event.put("data[LANGUAGE_ID]", "en");
                event.put("auth[access_token]", second.accessToken());
                event.put("auth[refresh_token]", second.refreshToken());
                event.put("auth[expires_in]", "3600");
                event.put("auth[member_id]", portal.memberId);
                event.put("auth[domain]", portal.domain);
                event.put("auth[server_endpoint]", bitrix.oauthUrl() + "/rest/");
                event.put("auth[application_token]", appToken(portal));
                check(post("/b24/events", form(event)), "ONAPPINSTALL");
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        long want = PORTALS * 3L;
        while (scalar("select count(*) from bot where status = 'registered'") < want) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("bots not registered within 300 s");
            }
            Thread.sleep(500);
        }
        return portals;
    }

    static String appToken(Portal portal) {
        return "app-" + portal.memberId;
    }

    // ---- event bodies --------------------------------------------------------------------------

    /** Every body is split where the counter goes, so each request is a new event (dedup would drop repeats). */
    static Path writeBodies(List<Portal> portals) throws IOException {
        Path dir = work.resolve("bodies");
        Files.createDirectories(dir);
        List<String[]> events = new ArrayList<>();
        List<String[]> ignored = new ArrayList<>();
        for (Portal portal : portals) {
            long echo = bitrix.imbot().liveBots(portal, "b24bots_echo").getFirst().id;
            long support = bitrix.imbot().liveBots(portal, "b24bots_support").getFirst().id;
            // One token per bot and author and portal, reused as Bitrix24 does within a token's hour.
            String echoToken = bitrix.issueTokens(portal, echo).accessToken();
            String authorToken = bitrix.issueTokens(portal, 7).accessToken();
            String supportToken = bitrix.issueTokens(portal, support).accessToken();
            events.add(split(v1(portal, echo, echoToken, authorToken)));
            events.add(split(v2(portal, support, supportToken)));
        }
        Collections.shuffle(events, new java.util.Random(42));
        for (String[] body : events.subList(0, 50)) {
            ignored.add(new String[] {body[0].replace("event=ONIMBOTMESSAGEADD", "event=ONBENCHIGNORED")
                    .replace("event=ONIMBOTV2MESSAGEADD", "event=ONBENCHIGNORED"), body[1]});
        }
        lua(dir.resolve("events.lua"), events);
        lua(dir.resolve("ignored.lua"), ignored);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(dir.resolve("events.txt")))) {
            for (String[] body : events) {
                out.println(body[0] + "\t" + body[1]);
            }
        }
        log("event bodies: %d, %d bytes each (median)", events.size(), events.get(events.size() / 2)[0].length()
                + events.get(events.size() / 2)[1].length() + 9);
        return dir;
    }

    static final String MARK = "COUNTERMARK";

    static String[] split(String body) {
        int at = body.indexOf(MARK);
        String rest = body.substring(at + MARK.length());
        if (rest.contains(MARK)) {
            // The text repeats the id; the Lua side substitutes one place, so keep the id once.
            rest = rest.replace(MARK, "");
        }
        return new String[] {body.substring(0, at), rest};
    }

    /** About 3.3 KB like a real ONIMBOTMESSAGEADD: Bitrix24 sends the bot, user, chat and params. */
    static String v1(Portal portal, long bot, String botToken, String authorToken) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("event", "ONIMBOTMESSAGEADD");
        f.put("event_handler_id", "41");
        f.put("data[BOT][" + bot + "][access_token]", botToken);
        f.put("data[BOT][" + bot + "][expires]", Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
        f.put("data[BOT][" + bot + "][expires_in]", "3600");
        f.put("data[BOT][" + bot + "][scope]", "imbot,im");
        f.put("data[BOT][" + bot + "][domain]", portal.domain);
        f.put("data[BOT][" + bot + "][server_endpoint]", bitrix.oauthUrl() + "/rest/");
        f.put("data[BOT][" + bot + "][status]", "L");
        f.put("data[BOT][" + bot + "][client_endpoint]", bitrix.clientEndpoint(portal));
        f.put("data[BOT][" + bot + "][member_id]", portal.memberId);
        f.put("data[BOT][" + bot + "][user_id]", Long.toString(bot));
        f.put("data[BOT][" + bot + "][application_token]", appToken(portal));
        f.put("data[BOT][" + bot + "][BOT_ID]", Long.toString(bot));
        f.put("data[BOT][" + bot + "][BOT_CODE]", "b24bots_echo");
        f.put("data[PARAMS][MESSAGE_ID]", MARK);
        f.put("data[PARAMS][DIALOG_ID]", "7");
        f.put("data[PARAMS][CHAT_ID]", "12");
        f.put("data[PARAMS][MESSAGE_TYPE]", "P");
        f.put("data[PARAMS][FROM_USER_ID]", "7");
        f.put("data[PARAMS][TO_USER_ID]", Long.toString(bot));
        f.put("data[PARAMS][TO_CHAT_ID]", "12");
        f.put("data[PARAMS][CHAT_TYPE]", "P");
        f.put("data[PARAMS][CHAT_ENTITY_TYPE]", "");
        f.put("data[PARAMS][CHAT_ENTITY_ID]", "");
        f.put("data[PARAMS][COMMAND_CONTEXT]", "TEXTAREA");
        f.put("data[PARAMS][PLATFORM_CONTEXT]", "");
        f.put("data[PARAMS][LANGUAGE]", "en");
        f.put("data[PARAMS][MESSAGE]", text(14));
        f.put("data[USER][ID]", "7");
        f.put("data[USER][NAME]", "Ann Example");
        f.put("data[USER][FIRST_NAME]", "Ann");
        f.put("data[USER][LAST_NAME]", "Example");
        f.put("data[USER][WORK_POSITION]", "Sales manager");
        f.put("data[USER][GENDER]", "F");
        f.put("data[USER][IS_BOT]", "N");
        f.put("data[USER][IS_CONNECTOR]", "N");
        f.put("data[USER][IS_NETWORK]", "N");
        f.put("data[USER][IS_EXTRANET]", "N");
        f.put("ts", Long.toString(Instant.now().getEpochSecond()));
        f.put("auth[access_token]", authorToken);
        f.put("auth[expires]", Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
        f.put("auth[expires_in]", "3600");
        f.put("auth[scope]", "imbot,im");
        f.put("auth[domain]", portal.domain);
        f.put("auth[server_endpoint]", bitrix.oauthUrl() + "/rest/");
        f.put("auth[status]", "L");
        f.put("auth[client_endpoint]", bitrix.clientEndpoint(portal));
        f.put("auth[member_id]", portal.memberId);
        f.put("auth[user_id]", "7");
        f.put("auth[application_token]", appToken(portal));
        return form(f);
    }

    static String v2(Portal portal, long bot, String botToken) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("event", "ONIMBOTV2MESSAGEADD");
        f.put("event_handler_id", "42");
        f.put("data[message][id]", MARK);
        f.put("data[message][chatId]", "12");
        f.put("data[message][authorId]", "7");
        f.put("data[message][date]", Instant.now().toString());
        f.put("data[message][text]", text(22));
        f.put("data[message][isSystem]", "0");
        f.put("data[chat][id]", "12");
        f.put("data[chat][dialogId]", "7");
        f.put("data[chat][type]", "private");
        f.put("data[chat][name]", "Ann Example");
        f.put("data[user][id]", "7");
        f.put("data[user][name]", "Ann Example");
        f.put("data[user][firstName]", "Ann");
        f.put("data[user][lastName]", "Example");
        f.put("data[user][workPosition]", "Sales manager");
        f.put("data[user][gender]", "F");
        f.put("data[user][bot]", "0");
        f.put("data[user][type]", "employee");
        f.put("data[bot][id]", Long.toString(bot));
        f.put("data[bot][code]", "b24bots_support");
        f.put("data[bot][auth][access_token]", botToken);
        f.put("data[bot][auth][expires]", Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
        f.put("data[bot][auth][expires_in]", "3600");
        f.put("data[bot][auth][scope]", "imbot");
        f.put("data[bot][auth][domain]", portal.domain);
        f.put("data[bot][auth][server_endpoint]", bitrix.oauthUrl() + "/rest/");
        f.put("data[bot][auth][client_endpoint]", bitrix.clientEndpoint(portal));
        f.put("data[bot][auth][member_id]", portal.memberId);
        f.put("data[bot][auth][user_id]", Long.toString(bot));
        f.put("data[language]", "en");
        f.put("ts", Long.toString(Instant.now().getEpochSecond()));
        f.put("auth[domain]", portal.domain);
        f.put("auth[member_id]", portal.memberId);
        f.put("auth[application_token]", appToken(portal));
        return form(f);
    }

    static String text(int sentences) {
        // A chatty message: with the fields above the form body is about 3.3 KB, as the issue's sample.
        String sentence = "Hello, could you check the status of my order and tell me when it ships? ";
        return sentence.repeat(sentences).trim();
    }

    static void lua(Path file, List<String[]> bodies) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            out.println("-- Generated by bench/Bench.java: one body per portal and bot, a counter spliced into each.");
            out.println("local bodies = {");
            for (String[] body : bodies) {
                out.println("{\"" + body[0] + "\",\"" + body[1] + "\"},");
            }
            out.println("}");
            out.println("local counter = tonumber(os.getenv('BENCH_OFFSET') or '0')");
            out.println("wrk.method = 'POST'");
            out.println("wrk.headers['Content-Type'] = 'application/x-www-form-urlencoded'");
            out.println("request = function()");
            out.println("  counter = counter + 1");
            out.println("  local b = bodies[(counter % #bodies) + 1]");
            out.println("  return wrk.format(nil, nil, nil, b[1] .. counter .. b[2])");
            out.println("end");
        }
    }

    // ---- load generators ------------------------------------------------------------------------

    record Wrk(double rps, double p50, double p99, long ok, long errors) {
    }

    static Wrk wrk(String path, Path script, int seconds, int connections, long offset) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), "http://127.0.0.1:" + port + path);
        builder.environment().put("BENCH_OFFSET", Long.toString(offset));
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
        long total = (long) number(out, "([0-9]+) requests in");
        long non2xx = (long) number(out, "Non-2xx or 3xx responses: ([0-9]+)");
        Matcher socket = Pattern.compile("Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)").matcher(out);
        long socketErrors = 0;
        if (socket.find()) {
            for (int i = 1; i <= 4; i++) {
                socketErrors += Long.parseLong(socket.group(i));
            }
        }
        Wrk result = new Wrk(rps, latency(out, "50%"), latency(out, "99%"), total - non2xx, non2xx + socketErrors);
        log("wrk %s %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors", path, script.getFileName(), result.rps,
                result.p50, result.p99, result.errors);
        return result;
    }

    static double number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    static double latency(String text, String percentile) {
        Matcher matcher = Pattern.compile("\\s" + percentile + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!matcher.find()) {
            return -1;
        }
        double value = Double.parseDouble(matcher.group(1));
        return switch (matcher.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    record Fixed(double achieved, double p50, double p99, long ok, long errors) {
    }

    /** Runs the fixed-rate client in its own JVM, so it does not share this one's heap or threads. */
    static Fixed fixedRate(Path bodies, int rate, int seconds, long offset) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "Bench", "rate",
                "http://127.0.0.1:" + port + "/b24/events", bodies.toString(), Integer.toString(rate),
                Integer.toString(seconds), Long.toString(offset));
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        Fixed result = new Fixed(number(out, "achieved=([0-9.]+)"), number(out, "p50=([0-9.]+)"),
                number(out, "p99=([0-9.]+)"), (long) number(out, "ok=([0-9]+)"), (long) number(out, "errors=([0-9]+)"));
        log("fixed %d/s: achieved %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors", rate, result.achieved, result.p50,
                result.p99, result.errors);
        return result;
    }

    /**
     * Open loop: request i is due at start + i/rate and its latency counts from then, so a stall
     * shows as the latency of every request it delayed (no coordinated omission). Prints the rate
     * achieved over the timed part (sent until the last answer), latency percentiles and counts.
     */
    static void fixedRate(String[] args) throws Exception {
        URI uri = URI.create(args[1]);
        List<String[]> bodies = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[2]))) {
            bodies.add(line.split("\t", 2));
        }
        int rate = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        long offset = Long.parseLong(args[5]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2)).build();
        // The first 2 s warm this client's own JVM and connections up; they are sent (and stored) but not timed.
        int warm = rate * 2;
        int total = warm + rate * seconds;
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long counter = offset + i;
            boolean timed = i >= warm;
            String[] body = bodies.get((int) (counter % bodies.size()));
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body[0] + counter + body[1])).build();
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (timed) {
                    latencies.add(System.nanoTime() - due);
                }
                if (error == null && response.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
            }));
        }
        for (var future : pending) {
            try {
                future.join();
            } catch (RuntimeException e) {
                // Counted as an error above.
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9 - 2;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("achieved=%.1f p50=%.3f p99=%.3f ok=%d errors=%d%n", (total - warm) / elapsed,
                sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6, ok.get(), errors.get());
        System.exit(0);
    }

    // ---- floors and queue -----------------------------------------------------------------------

    /** Single-row durable inserts of a 1.5 KB row: what one commit costs on this machine and disk. */
    static double[] pgbench() throws Exception {
        exec("create table if not exists bench_floor (id bigserial primary key, member_id varchar(64), payload text)");
        Path script = work.resolve("insert.sql");
        Files.writeString(script, "insert into bench_floor (member_id, payload) values (md5(random()::text), repeat('x', 1500));\n");
        double[] tps = new double[2];
        int[] clients = {1, 8};
        for (int i = 0; i < 2; i++) {
            ProcessBuilder builder = new ProcessBuilder("pgbench", "-n", "-h", "127.0.0.1", "-p", Integer.toString(dbPort),
                    "-U", "postgres", "-c", Integer.toString(clients[i]), "-j", Integer.toString(Math.min(clients[i], 2)),
                    "-T", Integer.toString(Math.max(2, SECONDS / 2)), "-f", script.toString(), "postgres");
            builder.environment().put("PGPASSWORD", "postgres");
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            tps[i] = number(out, "tps = ([0-9.]+)");
            if (tps[i] == 0) {
                log("pgbench said: %s", out);
            }
        }
        log("pgbench single-row inserts: %.0f tps (1 client), %.0f tps (8 clients)", tps[0], tps[1]);
        return tps;
    }

    /**
     * The claim query of the packaged JobStore, timed with 100 and with 100,000 jobs queued, both
     * spread over the same 100 portals: the claim walks the portals that have work, so the number of
     * such portals, not of jobs, is what it may cost.
     */
    static double[] claimCost() throws Exception {
        Field field = Class.forName("io.b24bots.jobs.JobStore").getDeclaredField("CLAIM");
        field.setAccessible(true);
        String claim = ((String) field.get(null)).replace(":worker", "'bench'").replace(":lease", "60")
                .replace(":max", "8");
        exec("update job set status = 'done' where status in ('queued', 'running')");
        double[] cost = new double[2];
        int[] sizes = {100, 100_000};
        for (int i = 0; i < 2; i++) {
            exec("delete from job where kind = 'bench-claim'");
            exec("insert into job (kind, member_id, payload, status, attempts, run_at, created_at, updated_at) "
                    + "select 'bench-claim', 'm' || (g % 100), '{}', 'queued', 0, now() - interval '1 minute', now(), now() "
                    + "from generate_series(1, " + sizes[i] + ") g");
            exec("vacuum analyze job");
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                connection.setAutoCommit(false);
                StringBuilder plan = new StringBuilder();
                try (ResultSet rows = statement.executeQuery("explain (analyze, buffers) " + claim)) {
                    while (rows.next()) {
                        plan.append(rows.getString(1)).append('\n');
                    }
                }
                connection.rollback();
                Files.writeString(work.resolve("claim-plan-" + sizes[i] + ".txt"), plan);
                List<Double> times = new ArrayList<>();
                for (int n = 0; n < 30; n++) {
                    long start = System.nanoTime();
                    statement.execute(claim);
                    times.add((System.nanoTime() - start) / 1e6);
                    connection.rollback();
                }
                Collections.sort(times);
                cost[i] = times.get(times.size() / 2);
            }
        }
        exec("delete from job where kind = 'bench-claim'");
        log("claim: %.2f ms with 100 queued, %.2f ms with 100,000 queued", cost[0], cost[1]);
        return cost;
    }

    static long jobCount() throws SQLException {
        return scalar("select count(*) from job where kind = 'bot-event'");
    }

    // ---- results ------------------------------------------------------------------------------------

    static void add(Map<String, List<Double>> figures, String name, double value) {
        figures.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    static void writeResults(String label, Map<String, List<Double>> figures) throws IOException {
        Path file = work.resolve("figures-" + label + ".txt");
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            out.println("# machine: " + machine());
            figures.forEach((name, values) -> {
                StringJoiner joined = new StringJoiner(" ");
                values.forEach(v -> joined.add(String.format("%.2f", v)));
                out.println(name + " " + joined);
            });
            for (String note : notes) {
                out.println("# note: " + note);
            }
        }
        log("figures written to %s", file);
    }

    static String machine() throws IOException {
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).getFirst().replaceAll("[^0-9]", "");
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + Math.round(Long.parseLong(mem) / 1024.0 / 1024.0) + " GB RAM, JDK " + Runtime.version() + ", "
                + Instant.now().toString().substring(0, 16).replace('T', ' ') + " UTC";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres", "postgres", "postgres");
    }

    static long scalar(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    static void exec(String sql) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static void check(HttpResponse<String> response, String what) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(what + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    static String form(Map<String, String> fields) {
        StringJoiner body = new StringJoiner("&");
        fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return body.toString();
    }

    static HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench %s] %s%n", Instant.now().toString().substring(11, 19), String.format(format, args));
    }
}
