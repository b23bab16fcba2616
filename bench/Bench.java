import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
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
import io.b24bots.testing.ImbotEmulation;
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
    /**
     * Which scenarios to run: 1 (intake, with 4 and 6), 2 (delivery to the stub portal), php (the PHP peer,
     * with 2), 3 (one busy portal), tokens (every event with a token the service has not seen), overload (events
     * sent faster than a replica can take them in).
     */
    static final List<String> SCENARIOS = List.of(System.getProperty("bench.scenarios", "1,2,php,3,tokens,overload").split(","));
    /** Scenario overload: the open-loop rate, well past what two cores take in, and for how long. */
    static final int OVERLOAD_RATE = Integer.getInteger("bench.overload-rate", 3000);
    static final int OVERLOAD_SECONDS = Integer.getInteger("bench.overload-seconds", 15);
    /** The cached-proof events' rate beside the new-token load of scenario "tokens". */
    static final int CACHED_RATE = 500;
    static final int DELIVERY_SECONDS = Integer.getInteger("bench.delivery-seconds", 10);
    static final int DELIVERY_WARMUP_SECONDS = Integer.getInteger("bench.delivery-warmup-seconds", 90);
    static final int INTAKE_WARMUP_SECONDS = Integer.getInteger("bench.intake-warmup-seconds", 45);
    static final int DRAIN_LIMIT = Integer.getInteger("bench.drain-limit", 180);
    static final int BUSY_SECONDS = Integer.getInteger("bench.busy-seconds", 30);
    /** Where PostgreSQL spends its time: pg_stat_statements over each saturation stage, written to bench/work. */
    static final boolean PG_STATEMENTS = Boolean.getBoolean("bench.pg-statements");
    static final String CLIENT_JVM = System.getProperty("bench.client-jvm",
            "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms1536m -Xmn1280m");
    static final int BUSY_RATE = 20;
    static final int BUSY_DIALOGS = 4;

    static Path work;
    static Path root;
    static int dbPort;
    static Bitrix24Emulator bitrix;
    static EmbeddedPostgres postgres;
    static Process service;
    static int port;
    static Stub stub;
    /**
     * The JVM of a small replica, as docker/Dockerfile.jvm and deploy/deployment.yaml start it; the start-up
     * cache's flag is added from the build's startup-cache.args, as docker/entrypoint.sh adds it, unless these
     * flags name a cache (or -Xshare) themselves.
     */
    static String serviceJvm = System.getProperty("bench.service-jvm",
            "-Xmx112m -Xss512k -XX:ReservedCodeCacheSize=96m -XX:MetaspaceSize=96m -XX:MaxMetaspaceSize=128m -XX:+UseSerialGC");
    static Portal busy;
    static final List<String> notes = new ArrayList<>();
    /** How the JVM reports a start-up cache it could not use: a missing, stale or foreign one. */
    static final Pattern CACHE_ERROR = Pattern.compile("\\[(error|warning) *\\]\\[(cds|aot)\\]|Unable to use shared archive");

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
            if (stub != null) {
                stub.stop();
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
        deleteTree(work.resolve("pg-log"));
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setPort(dbPort).setDataDirectory(data).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "200")
                // docs/OPERATIONS.md "The database": a busy job queue wants autovacuum to look at it more often than once a minute.
                .setServerConfig("autovacuum_naptime", "10s")
                // docs/OPERATIONS.md "The database": with the default 1 GB of WAL between checkpoints, one started every
                // 40 s under load, and each one's closing fsync held every commit for a tenth of a second.
                .setServerConfig("max_wal_size", "4GB").setServerConfig("checkpoint_timeout", "15min")
                // A database in service recycles its WAL files at each checkpoint; a fresh cluster creates
                // every one, zero-filling 16 MB while commits wait (30-50 ms stalls every few seconds at
                // 1,000 events/s). min_wal_size keeps the warmed files below for recycling.
                .setServerConfig("min_wal_size", "2GB")
                // The embedded server starts with fsync off (-F); durable means flushed, for the
                // service and for the pgbench floor alike.
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                // Checkpoints and autovacuum runs, with times, to line up with a stage's slow requests.
                .setServerConfig("logging_collector", "on").setServerConfig("log_directory", work.resolve("pg-log").toString())
                .setServerConfig("log_checkpoints", "on")
                .setServerConfig("log_autovacuum_min_duration", "0")
                .setServerConfig("shared_preload_libraries", PG_STATEMENTS ? "pg_stat_statements" : "")
                .setServerConfig("pg_stat_statements.track_planning", PG_STATEMENTS ? "on" : "off")
                .setServerConfig("track_io_timing", PG_STATEMENTS ? "on" : "off");
        for (String setting : System.getProperty("bench.pg-settings", "").split(";")) {
            int equals = setting.indexOf('=');
            if (equals > 0) {
                builder.setServerConfig(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
            } else if (!setting.isBlank()) {
                throw new IllegalArgumentException("bench.pg-settings: expected name=value, got '" + setting + "'");
            }
        }
        postgres = builder.start();
        if (PG_STATEMENTS) {
            exec("create extension if not exists pg_stat_statements");
        }
        warmWal();
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
        if (SCENARIOS.contains("2") || SCENARIOS.contains("overload")) {
            // The portals' client endpoint is the nginx stub: it answers the replies itself and passes
            // everything else (installs, registration, fetch polling) on to the emulator.
            stub = Stub.start(bitrix.baseUrl());
        }
        List<Portal> portals = new ArrayList<>();
        for (int i = 0; i < PORTALS; i++) {
            Portal portal = bitrix.createPortal();
            portal.endpointBase = stub == null ? null : stub.url();
            portals.add(portal);
        }
        List<Portal> all = new ArrayList<>(portals);
        if (SCENARIOS.contains("3")) {
            // Scenario 3's portal is the emulator itself, which enforces Bitrix24's limit and records every call.
            busy = bitrix.createPortal();
            all.add(busy);
        }
        long installStart = System.nanoTime();
        startService(true, "install", Map.of());
        install(all);
        log("installed %d portals with their bots in %.1f s", all.size(), (System.nanoTime() - installStart) / 1e9);
        stopService();
        bitrix.forgetCalls();
        Path bodies = writeBodies(portals);
        if (SCENARIOS.contains("1")) {
            intake(bodies, figures);
        }
        if (SCENARIOS.contains("2")) {
            delivery(bodies, figures);
        }
        if (SCENARIOS.contains("2") && SCENARIOS.contains("php")) {
            phpPeer(bodies, figures, portals);
        }
        if (SCENARIOS.contains("3")) {
            busyPortal(figures);
        }
        if (SCENARIOS.contains("tokens")) {
            newTokens(bodies, figures);
        }
        if (SCENARIOS.contains("overload")) {
            overload(bodies, figures);
        }
        if (SCENARIOS.contains("startup")) {
            startupVariants(figures);
        }
    }

    /**
     * Start-up to ready of JVM-flag variants ({@code bench.startup-variants}, separated by "|"),
     * started in turn, round after round, so the load of a shared machine falls on all alike.
     */
    static void startupVariants(Map<String, List<Double>> figures) throws Exception {
        String[] variants = System.getProperty("bench.startup-variants", serviceJvm).split("\\|");
        String before = serviceJvm;
        for (int round = 0; round < Integer.getInteger("bench.startup-rounds", 7); round++) {
            for (int v = 0; v < variants.length; v++) {
                serviceJvm = variants[v].trim();
                add(figures, "startup_variant_" + v, startService(false, "startup", Map.of()));
                add(figures, "startup_rss_variant_" + v, rssMb());
                add(figures, "startup_rss_file_variant_" + v, statusMb("RssFile:"));
                stopService();
            }
        }
        for (int v = 0; v < variants.length; v++) {
            notes.add("startup_variant_" + v + ": " + variants[v].trim());
        }
        serviceJvm = before;
    }

    /** Scenarios 1, 4 and 6: the intake alone (worker off, so the figure is the intake's, not the replies'). */
    static void intake(Path bodies, Map<String, List<Double>> figures) throws Exception {
        double startup = startService(false, "intake", Map.of());
        add(figures, "startup_s", startup);
        // More starts, for a median on a shared machine; the last one stays up for the load.
        for (int i = 1; i < Integer.getInteger("bench.startups", 3); i++) {
            stopService();
            add(figures, "startup_s", startService(false, "intake", Map.of()));
        }

        // Warm-up: JIT, connection pools and one app.info per token (proofs are then cached).
        wrk("/b24/events", bodies.resolve("events.lua"), INTAKE_WARMUP_SECONDS, CONNECTIONS, 0);
        long base = jobCount();
        long answered = 0;
        for (int run = 1; run <= RUNS; run++) {
            Wrk floor = wrk("/b24/events", bodies.resolve("ignored.lua"), SECONDS, CONNECTIONS, 0);
            add(figures, "floor_http_rps", floor.rps);
            add(figures, "floor_http_p99_ms", floor.p99);
            statementsReset();
            Cpu cpuBefore = Cpu.now();
            Wrk sat = wrk("/b24/events", bodies.resolve("events.lua"), SECONDS, CONNECTIONS, run * 100_000_000L);
            Cpu cpu = Cpu.now().minus(cpuBefore);
            statementsWrite("intake-" + run);
            if (sat.ok > 0) {
                add(figures, "intake_cpu_service_us", cpu.service * 1e6 / sat.ok);
                add(figures, "intake_cpu_pg_us", cpu.postgres * 1e6 / sat.ok);
            }
            add(figures, "intake_rps", sat.rps);
            add(figures, "intake_p50_ms", sat.p50);
            add(figures, "intake_p99_ms", sat.p99);
            answered += sat.ok;
            if (sat.errors > 0) {
                notes.add("run " + run + ": " + sat.errors + " non-2xx answers or socket errors at saturation");
            }
            // The open-loop floor: the same client and rate, the event ignored (no proof, no write), so
            // what the client and a shared CPU add to the tail shows beside the figure.
            Fixed ignoredAtRate = fixedRate(bodies.resolve("ignored.txt"), FIXED_RATE, SECONDS, 0);
            add(figures, "floor_fixed_p99_ms", ignoredAtRate.p99);
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
            add(figures, "rss_file_mb", statusMb("RssFile:"));
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

    /**
     * Scenario "tokens": every event carries an author token the service has never seen, so each costs
     * an {@code app.info} call to the OAuth server (the emulator, in this JVM) before it is stored; the
     * bot's token is the cached one. At saturation (worker off, as scenario 1): how many new tokens a
     * second the service absorbs. Then events whose proofs are cached, at a fixed rate, alone and with
     * that saturating load beside them: what the new tokens do to them.
     */
    static void newTokens(Path bodies, Map<String, List<Double>> figures) throws Exception {
        discardQueuedEvents();
        startService(false, "tokens", Map.of());
        // Warm-up: JIT, and the cached events' proofs (one app.info per token).
        wrk("/b24/events", bodies.resolve("events.lua"), INTAKE_WARMUP_SECONDS, CONNECTIONS, 5_000_000_000L);
        // Its own counters: a run's tokens must be new to the service, not the warm-up's again.
        wrk("/b24/events", bodies.resolve("fresh.lua"), 10, CONNECTIONS, 5_050_000_000L);
        for (int run = 1; run <= RUNS; run++) {
            long offset = 5_000_000_000L + run * 100_000_000L;
            int before = bitrix.calls(call -> call.method().equals("app.info")).size();
            Cpu cpuBefore = Cpu.now();
            Wrk fresh = wrk("/b24/events", bodies.resolve("fresh.lua"), SECONDS, CONNECTIONS, offset);
            Cpu cpu = Cpu.now().minus(cpuBefore);
            int proofs = bitrix.calls(call -> call.method().equals("app.info")).size() - before;
            add(figures, "tokens_new_per_s", fresh.ok / (double) SECONDS);
            add(figures, "tokens_new_p99_ms", fresh.p99);
            add(figures, "tokens_app_info_per_event", fresh.ok == 0 ? 0 : proofs / (double) fresh.ok);
            if (fresh.ok > 0) {
                add(figures, "tokens_cpu_service_us", cpu.service * 1e6 / fresh.ok);
            }
            if (fresh.errors > 0) {
                notes.add("tokens run " + run + ": " + fresh.errors + " new-token events not answered 200");
            }
            Fixed alone = fixedRate(bodies.resolve("events.txt"), CACHED_RATE, SECONDS, offset + 10_000_000L);
            add(figures, "tokens_cached_alone_p99_ms", alone.p99);
            // The new-token load at saturation beside the cached events, from a second before them to after them.
            CompletableFuture<Wrk> flood = CompletableFuture.supplyAsync(() -> {
                try {
                    return wrk("/b24/events", bodies.resolve("fresh.lua"), SECONDS + 2, CONNECTIONS, offset + 20_000_000L);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000);
            Fixed beside = fixedRate(bodies.resolve("events.txt"), CACHED_RATE, SECONDS, offset + 30_000_000L);
            Wrk during = flood.join();
            add(figures, "tokens_cached_flood_achieved", beside.achieved);
            add(figures, "tokens_cached_flood_p50_ms", beside.p50);
            add(figures, "tokens_cached_flood_p99_ms", beside.p99);
            add(figures, "tokens_new_beside_per_s", during.ok / (double) (SECONDS + 2));
            if (beside.errors > 0 || alone.errors > 0) {
                notes.add("tokens run " + run + ": " + (alone.errors + beside.errors) + " cached-proof events not answered 200");
            }
            log("tokens run %d: %.0f new tokens/s (%.2f app.info per event); cached events at %d/s: p99 %.1f ms alone, %.1f ms beside "
                    + "%.0f new tokens/s", run, fresh.ok / (double) SECONDS, fresh.ok == 0 ? 0 : proofs / (double) fresh.ok,
                    CACHED_RATE, alone.p99, beside.p99, during.ok / (double) (SECONDS + 2));
        }
        stopService();
    }

    /**
     * Scenario 2: replies reaching the stub portal. The service runs with its worker on and the
     * per-portal limiter raised; the intake runs at saturation for {@code bench.delivery-seconds},
     * then the backlog drains; replies are counted in the stub's log (commands inside a batch
     * included). Then a fixed 1,000 events/s whose texts carry their due time: the reply's latency
     * is the stub's log time minus that.
     */
    static void delivery(Path bodies, Map<String, List<Double>> figures) throws Exception {
        discardQueuedEvents();
        startService(true, "delivery", Map.of("B24_REST_REQUESTS_PER_SECOND", "1000000", "B24_REST_BURST", "1000000"));
        // Warm-up: JIT, the worker, one app.info per token (proofs are then cached), nginx's connections.
        // The JIT compiles for well over a minute on two cores: 20 s left the first run a third slower than the others.
        wrk("/b24/events", bodies.resolve("delivery.lua"), DELIVERY_WARMUP_SECONDS, CONNECTIONS, 1_000_000_000L);
        awaitDrained(DRAIN_LIMIT);
        bitrix.forgetCalls();
        // Every run's timed replies together (15 s at 1,000/s): a stall weighs in them as in a longer stage, rather than deciding one run's p99.
        List<Long> allLatencies = new ArrayList<>();
        for (int run = 1; run <= RUNS; run++) {
            long offset = 1_000_000_000L + run * 100_000_000L;
            long firstJob = lastJobId();
            long from = stub.logSize();
            statementsReset();
            Cpu cpuBefore = Cpu.now();
            Wrk sat = wrk("/b24/events", bodies.resolve("delivery.lua"), DELIVERY_SECONDS, CONNECTIONS, offset);
            Drain drain = awaitDrained(DRAIN_LIMIT);
            Cpu cpu = Cpu.now().minus(cpuBefore);
            statementsWrite("delivery-" + run);
            Replies replies = stub.replies(from);
            // Handled bot-event jobs are deleted (HandleBotEventJob keeps none): the events are the ids
            // the queue handed out during the run (nothing else queues jobs meanwhile).
            long events = lastJobId() - firstJob;
            add(figures, "delivery_intake_rps", sat.rps);
            add(figures, "delivery_replies_per_s", replies.perSecond());
            add(figures, "delivery_drain_s", drain.seconds);
            add(figures, "delivery_backlog_end", drain.left);
            add(figures, "delivery_missing", Math.max(0, events - replies.count));
            if (events > 0) {
                add(figures, "delivery_cpu_service_us", cpu.service * 1e6 / events);
                add(figures, "delivery_cpu_pg_us", cpu.postgres * 1e6 / events);
                add(figures, "delivery_cpu_stub_us", cpu.stub * 1e6 / events);
                add(figures, "delivery_cpu_total_us", (cpu.service + cpu.postgres) * 1e6 / events);
                log("delivery run %d: CPU per event: service %.0f µs, PostgreSQL %.0f µs, stub %.0f µs", run,
                        cpu.service * 1e6 / events, cpu.postgres * 1e6 / events, cpu.stub * 1e6 / events);
            }
            log("delivery run %d: %d events in, %d replies at the stub in %d calls, %.0f replies/s (first to last), "
                    + "drained %.1f s after the intake stopped, %d left", run, events, replies.count, replies.calls,
                    replies.perSecond(), drain.seconds, drain.left);
            if (sat.errors > 0) {
                notes.add("delivery run " + run + ": " + sat.errors + " non-2xx answers or socket errors at saturation");
            }
            jobOutcomes("delivery run " + run, firstJob);

            firstJob = lastJobId();
            from = stub.logSize();
            Fixed fixed = fixedRate(bodies.resolve("delivery.txt"), FIXED_RATE, SECONDS, offset + 50_000_000L);
            awaitDrained(DRAIN_LIMIT);
            replies = stub.replies(from);
            List<Long> latencies = replies.latencies;
            Collections.sort(latencies);
            add(figures, "delivery_fixed_achieved", fixed.achieved);
            if (fixed.errors > 0) {
                notes.add("delivery run " + run + ": " + fixed.errors + " failed requests at " + FIXED_RATE + "/s");
            }
            if (latencies.isEmpty()) {
                notes.add("delivery run " + run + ": no timed reply reached the stub at " + FIXED_RATE + "/s");
            } else {
                add(figures, "delivery_fixed_p50_ms", latencies.get(latencies.size() / 2));
                add(figures, "delivery_fixed_p99_ms", latencies.get((int) (latencies.size() * 0.99)));
                allLatencies.addAll(latencies);
                log("delivery at %d/s: %d timed replies of %d, reply latency p50 %d ms, p99 %d ms; later than %d ms: %s",
                        FIXED_RATE, latencies.size(), FIXED_RATE * SECONDS, latencies.get(latencies.size() / 2),
                        latencies.get((int) (latencies.size() * 0.99)), LATE_MS, replies.lateBursts());
            }
            if (latencies.size() < FIXED_RATE * SECONDS) {
                notes.add("delivery run " + run + ": " + (FIXED_RATE * SECONDS - latencies.size()) + " of "
                        + FIXED_RATE * SECONDS + " timed events at " + FIXED_RATE + "/s got no reply at the stub");
            }
            jobOutcomes("delivery fixed run " + run, firstJob);
        }
        if (!allLatencies.isEmpty()) {
            Collections.sort(allLatencies);
            add(figures, "delivery_fixed_p99_all_ms", allLatencies.get((int) (allLatencies.size() * 0.99)));
            log("delivery at %d/s, all %d runs: %d timed replies, reply latency p99 %d ms", FIXED_RATE, RUNS,
                    allLatencies.size(), allLatencies.get((int) (allLatencies.size() * 0.99)));
        }
        stopService();
    }

    /**
     * Scenario overload: events sent open-loop at {@code bench.overload-rate} for {@code bench.overload-seconds}
     * to a replica with the shipped heap and its worker on, as Bitrix24 sends them whether or not the service
     * keeps up. What it must do: stay up without running out of heap, refuse what it cannot hold (503) at
     * once, and reply exactly once to every event it acknowledged.
     */
    static void overload(Path bodies, Map<String, List<Double>> figures) throws Exception {
        discardQueuedEvents();
        startService(true, "overload", Map.of("B24_REST_REQUESTS_PER_SECOND", "1000000", "B24_REST_BURST", "1000000"));
        wrk("/b24/events", bodies.resolve("delivery.lua"), INTAKE_WARMUP_SECONDS, CONNECTIONS, 6_000_000_000L);
        awaitDrained(DRAIN_LIMIT);
        long from = stub.logSize();
        Fixed fixed = fixedRate(bodies.resolve("delivery.txt"), OVERLOAD_RATE, OVERLOAD_SECONDS, 6_500_000_000L);
        boolean survived = service.isAlive();
        Drain drain = survived ? awaitDrained(DRAIN_LIMIT) : new Drain(0, -1);
        Replies replies = stub.replies(from);
        String log = Files.readString(work.resolve("service-overload.log"), StandardCharsets.ISO_8859_1);
        boolean outOfMemory = log.contains("OutOfMemoryError");
        add(figures, "overload_acked", fixed.ok);
        add(figures, "overload_busy", fixed.busy);
        add(figures, "overload_other_errors", fixed.errors - fixed.busy);
        add(figures, "overload_missing", Math.max(0, fixed.ok - replies.count));
        add(figures, "overload_extra_replies", Math.max(0, replies.count - fixed.ok));
        add(figures, "overload_out_of_memory", outOfMemory || !survived ? 1 : 0);
        add(figures, "overload_rss_mb", survived ? rssMb() : 0);
        log("overload %d/s for %d s: %d acknowledged, %d refused busy (503), %d other failures; %d replies at the stub,"
                + " drained %.1f s after; the service %s%s", OVERLOAD_RATE, OVERLOAD_SECONDS, fixed.ok, fixed.busy,
                fixed.errors - fixed.busy, replies.count, drain.seconds, survived ? "stayed up" : "EXITED",
                outOfMemory ? ", and ran out of heap (see bench/work/service-overload.log)" : "");
        if (outOfMemory || !survived) {
            notes.add("overload: the service " + (survived ? "ran out of heap" : "exited"));
        }
        stopService();
    }

    /**
     * The start of the bench's nginx configurations (the stub portal's, the PHP peer's): one process in the
     * foreground, its pid, logs and temporary files under DIR, up to the opening of the http block.
     */
    static final String NGINX_HEAD = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid DIR/nginx.pid;
            error_log DIR/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path DIR/temp/body;
                proxy_temp_path DIR/temp/proxy;
                fastcgi_temp_path DIR/temp/fastcgi;
                uwsgi_temp_path DIR/temp/uwsgi;
                scgi_temp_path DIR/temp/scgi;
            """;

    /** Where the PHP peer's files, php-fpm and nginx live; also how its processes are told apart in /proc. */
    static final String PHP_DIR = "bench/work/php";

    /**
     * The PHP peer, in the same run and on the same events as scenario 2: bench/php/bot.php (what
     * Bitrix24's EchoBot does per message: check the application token against a PHP file of the
     * installed portals, send the reply with cURL inside the request, answer 200, store nothing) on
     * Debian's php-fpm (8 workers) behind nginx, sending its replies to the same stub portal. The
     * v1 events of scenario 2 (EchoBot answers v1), at saturation, RUNS times.
     */
    static void phpPeer(Path bodies, Map<String, List<Double>> figures, List<Portal> portals) throws Exception {
        Path dir = root.resolve(PHP_DIR);
        deleteTree(dir);
        Files.createDirectories(dir.resolve("temp"));
        Files.copy(root.resolve("bench/php/bot.php"), dir.resolve("bot.php"));
        StringBuilder installed = new StringBuilder("<?php\nreturn [\n");
        for (Portal portal : portals) {
            installed.append("    '").append(portal.memberId).append("' => '").append(appToken(portal)).append("',\n");
        }
        Files.writeString(dir.resolve("portals.php"), installed.append("];\n"));
        Files.writeString(dir.resolve("php-fpm.conf"), """
                [global]
                pid = DIR/php-fpm.pid
                error_log = DIR/php-fpm.log
                daemonize = no
                [bot]
                listen = DIR/php-fpm.sock
                pm = static
                pm.max_children = 8
                """.replace("DIR", dir.toString()));
        int phpPort = freePort();
        Files.writeString(dir.resolve("nginx.conf"), (NGINX_HEAD + """
                    server {
                        listen 127.0.0.1:PORT backlog=4096;
                        client_max_body_size 1m;
                        client_body_buffer_size 64k;
                        location = /bot.php {
                            include /etc/nginx/fastcgi_params;
                            fastcgi_param SCRIPT_FILENAME DIR/bot.php;
                            fastcgi_pass unix:DIR/php-fpm.sock;
                        }
                    }
                }
                """).replace("DIR", dir.toString()).replace("PORT", Integer.toString(phpPort)));
        String phpFpm = System.getProperty("bench.php-fpm", "/usr/sbin/php-fpm8.2");
        // -R: this bench may run as root, which php-fpm refuses unless told.
        Process fpm = new ProcessBuilder(phpFpm, "-F", "-R", "-y", dir.resolve("php-fpm.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("php-fpm.out").toFile()).start();
        Process nginx = new ProcessBuilder(System.getProperty("bench.nginx", "nginx"), "-p", dir.toString(), "-c",
                dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(dir.resolve("php-fpm.sock")) || !listening(phpPort)) {
                if (!fpm.isAlive() || !nginx.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the PHP peer did not start: see " + PHP_DIR + "/php-fpm.out and nginx.out");
                }
                Thread.sleep(50);
            }
            // Warm-up: opcache, php-fpm's workers, the connections to the stub.
            wrk(phpPort, "/bot.php", bodies.resolve("php.lua"), 10, CONNECTIONS, 4_000_000_000L);
            for (int run = 1; run <= RUNS; run++) {
                long offset = 4_000_000_000L + run * 100_000_000L;
                long from = stub.logSize();
                Cpu before = Cpu.now();
                Wrk sat = wrk(phpPort, "/bot.php", bodies.resolve("php.lua"), DELIVERY_SECONDS, CONNECTIONS, offset);
                Cpu cpu = Cpu.now().minus(before);
                Replies replies = stub.replies(from);
                add(figures, "php_rps", sat.rps);
                add(figures, "php_replies_per_s", replies.perSecond());
                add(figures, "php_missing", Math.max(0, sat.ok - replies.count));
                if (replies.count > 0) {
                    add(figures, "php_cpu_us", cpu.php * 1e6 / replies.count);
                    add(figures, "php_cpu_stub_us", cpu.stub * 1e6 / replies.count);
                }
                log("PHP peer run %d: %.0f events/s answered, %d replies at the stub (%.0f/s), CPU per event: PHP (php-fpm "
                        + "and its nginx) %.0f µs, stub %.0f µs", run, sat.rps, replies.count, replies.perSecond(),
                        replies.count == 0 ? 0 : cpu.php * 1e6 / replies.count, replies.count == 0 ? 0 : cpu.stub * 1e6 / replies.count);
                if (sat.errors > 0) {
                    notes.add("PHP peer run " + run + ": " + sat.errors + " non-2xx answers or socket errors");
                }
            }
        } finally {
            nginx.destroy();
            fpm.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
            fpm.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Scenario 3: one busy portal under Bitrix24's own limit (2 calls/s, burst 50, enforced and
     * recorded by the emulator), the service's limiter at its defaults, 20 messages/s over 4
     * dialogs (two to the v1 echo bot, two to the v2 bot), each text carrying its sequence number
     * in its dialog. Rates are read over the part of the load after the burst could be spent.
     */
    static void busyPortal(Map<String, List<Double>> figures) throws Exception {
        discardQueuedEvents();
        Map<String, String> defaults = new java.util.HashMap<>();
        defaults.put("B24_REST_REQUESTS_PER_SECOND", null);
        startService(true, "busy", defaults);
        long echo = bitrix.imbot().liveBots(busy, "b24bots_echo").getFirst().id;
        long support = bitrix.imbot().liveBots(busy, "b24bots_support").getFirst().id;
        String echoToken = bitrix.issueTokens(busy, echo).accessToken();
        String supportToken = bitrix.issueTokens(busy, support).accessToken();
        long[] users = new long[BUSY_DIALOGS];
        String[] authorTokens = new String[BUSY_DIALOGS];
        for (int d = 0; d < BUSY_DIALOGS; d++) {
            users[d] = 21 + d;
            authorTokens[d] = bitrix.issueTokens(busy, users[d]).accessToken();
        }
        busy.ratePerSecond = 2;
        busy.rateBurst = 50;
        bitrix.forgetCalls();
        long refusedBefore = busy.limitRefusals.get();
        int postedBefore = bitrix.imbot().posted(busy).size();
        int total = BUSY_RATE * BUSY_SECONDS;
        long failed = 0;
        Instant loadStart = Instant.now();
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long wait = start + (long) (i * 1e9 / BUSY_RATE) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int d = i % BUSY_DIALOGS;
            String text = "BENCHQ" + (i / BUSY_DIALOGS) + "Q in order?";
            // Sent one after the other, so the service receives each dialog's messages in order.
            String body = d % 2 == 0
                    ? v1(busy, echo, echoToken, authorTokens[d], users[d], text)
                    : v2(busy, support, supportToken, users[d], text);
            if (post("/b24/events", body.replace(MARK, Long.toString(2_000_000_000L + i))).statusCode() != 200) {
                failed++;
            }
        }
        Instant loadEnd = Instant.now();
        long backlog = scalar("select count(*) from job where kind = 'bot-event' and status in ('queued', 'running') "
                + "and member_id = '" + busy.memberId + "'");
        List<ImbotEmulation.PostedMessage> posted = bitrix.imbot().posted(busy);
        posted = posted.subList(postedBefore, posted.size());
        List<Bitrix24Emulator.Call> calls = bitrix.calls(c -> busy.memberId.equals(c.memberId()) && "portal".equals(c.server()));
        // Steady state: after the first third, by when a client that spent the burst of 50 at once is held to 2/s.
        Instant steady = loadStart.plusMillis(BUSY_SECONDS * 1000L / 3);
        double steadySeconds = Duration.between(steady, loadEnd).toMillis() / 1000.0;
        long steadyReplies = posted.stream().filter(m -> m.at().isAfter(steady) && !m.at().isAfter(loadEnd)).count();
        long steadyCalls = calls.stream().filter(c -> c.at().isAfter(steady) && !c.at().isAfter(loadEnd)).count();
        // Target 5: the fetch-mode bots of the other portals, idle all along: what polling them costs.
        long fleetPolls = bitrix.calls(c -> "imbot.v2.Event.get".equals(c.method()) && !busy.memberId.equals(c.memberId())
                && c.at().isAfter(steady) && !c.at().isAfter(loadEnd)).size();
        add(figures, "fleet_idle_polls_per_s", fleetPolls / steadySeconds);
        long repliesInLoad = posted.stream().filter(m -> !m.at().isAfter(loadEnd)).count();
        long callsInLoad = calls.stream().filter(c -> !c.at().isAfter(loadEnd)).count();
        // Order per dialog: each dialog's sequence numbers as the portal received them must rise.
        Map<String, Long> last = new java.util.HashMap<>();
        long outOfOrder = 0;
        long duplicates = 0;
        Map<String, java.util.Set<Long>> seen = new java.util.HashMap<>();
        for (ImbotEmulation.PostedMessage m : posted) {
            Matcher q = Pattern.compile("BENCHQ([0-9]+)Q").matcher(m.text());
            if (!q.find()) {
                continue;
            }
            long seq = Long.parseLong(q.group(1));
            if (!seen.computeIfAbsent(m.dialogId(), k -> new java.util.HashSet<>()).add(seq)) {
                duplicates++;
            }
            Long before = last.put(m.dialogId(), seq);
            if (before != null && seq <= before) {
                outOfOrder++;
                if (outOfOrder <= 3) {
                    notes.add("busy portal: dialog " + m.dialogId() + " got reply " + seq + " after " + before);
                }
            }
        }
        Map<String, Long> methods = new java.util.TreeMap<>();
        calls.stream().filter(c -> !c.at().isAfter(loadEnd)).forEach(c -> methods.merge(c.method(), 1L, Long::sum));
        add(figures, "busy_replies_per_s", steadyReplies / steadySeconds);
        add(figures, "busy_calls_per_s", steadyCalls / steadySeconds);
        add(figures, "busy_limit_exceeded", busy.limitRefusals.get() - refusedBefore);
        add(figures, "busy_in_order", outOfOrder == 0 && duplicates == 0 ? 1 : 0);
        add(figures, "busy_backlog_end", backlog);
        notes.add(String.format("busy portal: %d messages in %.1f s (%d not answered 200); during the load %d replies "
                + "and %d calls reached the portal (%s); %d replies out of order, %d duplicated; %d events queued at the end",
                total, Duration.between(loadStart, loadEnd).toMillis() / 1000.0, failed, repliesInLoad, callsInLoad,
                methods, outOfOrder, duplicates, backlog));
        log("busy portal: %.1f replies/s, %.1f calls/s after the burst, %d QUERY_LIMIT_EXCEEDED, %d out of order, "
                + "%d duplicated, %d events queued at the end", steadyReplies / steadySeconds, steadyCalls / steadySeconds,
                busy.limitRefusals.get() - refusedBefore, outOfOrder, duplicates, backlog);
        stopService();
    }

    record Drain(double seconds, long left) {
    }

    /** Waits until no bot-event job is queued or running; the seconds it took and what is left at the limit. */
    static Drain awaitDrained(int limitSeconds) throws Exception {
        long start = System.nanoTime();
        while (true) {
            long left = scalar("select count(*) from job where kind = 'bot-event' and status in ('queued', 'running')");
            double seconds = (System.nanoTime() - start) / 1e9;
            if (left == 0 || seconds > limitSeconds) {
                if (left > 0) {
                    notes.add(left + " bot-event jobs still queued or running " + limitSeconds + " s after the load");
                }
                return new Drain(seconds, left);
            }
            Thread.sleep(100);
        }
    }

    /** Notes bot-event jobs of a run that did not end done (failed, or retried with an error). */
    static void jobOutcomes(String what, long firstJob) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select status, count(*), count(last_error), max(attempts) from job "
                        + "where kind = 'bot-event' and id > " + firstJob + " group by status")) {
            while (rows.next()) {
                if (!"done".equals(rows.getString(1)) || rows.getLong(3) > 0 || rows.getLong(4) > 1) {
                    notes.add(String.format("%s: %d jobs %s (%d with an error, at most %d attempts)", what, rows.getLong(2),
                            rows.getString(1), rows.getLong(3), rows.getLong(4)));
                }
            }
        }
    }

    record Replies(long count, long calls, double firstSeconds, double lastSeconds, List<Long> latencies, List<double[]> late) {
        double perSecond() {
            return count < 2 || lastSeconds <= firstSeconds ? 0 : count / (lastSeconds - firstSeconds);
        }

        /**
         * The replies later than the target, as bursts (replies due within 0.5 s of each other):
         * "12 due 16:01:02.310–.480 (worst 41 ms)". A tail from a pause (GC, the JIT, the machine) is one
         * burst; a tail spread over the stage is queueing.
         */
        String lateBursts() {
            List<double[]> sorted = new ArrayList<>(late);
            sorted.sort(Comparator.comparingDouble(l -> l[0]));
            List<String> bursts = new ArrayList<>();
            for (int i = 0; i < sorted.size();) {
                int j = i;
                double worst = sorted.get(i)[1];
                while (j + 1 < sorted.size() && sorted.get(j + 1)[0] - sorted.get(j)[0] < 0.5) {
                    worst = Math.max(worst, sorted.get(++j)[1]);
                }
                bursts.add(String.format("%d due %s–%s (worst %.0f ms)", j - i + 1, clock(sorted.get(i)[0]),
                        clock(sorted.get(j)[0]).substring(8), worst));
                i = j + 1;
            }
            return bursts.isEmpty() ? "none" : String.join(", ", bursts);
        }

        static String clock(double epochSeconds) {
            return CLOCK.format(Instant.ofEpochMilli(Math.round(epochSeconds * 1000)));
        }
    }

    /**
     * The stub portal: nginx as a child process with its own prefix in bench/work/nginx. It answers
     * the reply methods (and typing) with canned JSON, logging each reply call with its body and
     * time ($msec); everything else goes on to the emulator. To have $request_body, nginx must read
     * the body: the reply locations proxy to a second server of the same nginx that answers it.
     */
    static final class Stub {
        static final List<String> MESSAGE_METHODS = List.of("imbot.message.add", "imbot.v2.Chat.Message.send");
        final Process process;
        final int port;
        final Path log;

        Stub(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        static Stub start(String emulator) throws Exception {
            Path dir = work.resolve("nginx");
            deleteTree(dir);
            Files.createDirectories(dir.resolve("temp"));
            // The reply log (a few MB/s at saturation) is kept in memory where the machine has a tmpfs: on
            // disk, the kernel's writeback of it every 30 s held PostgreSQL's WAL fsyncs for 35-95 ms,
            // stalls a real portal, on other machines, would not cause.
            Path shm = Path.of("/dev/shm");
            Path logDir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "b24bots-bench-") : dir;
            int port = freePort();
            int canned = freePort();
            URI upstream = URI.create(emulator);
            String time = "\"time\":{\"start\":0,\"finish\":0,\"duration\":0,\"processing\":0,\"operating\":0}";
            StringJoiner results = new StringJoiner(",");
            for (int i = 0; i < 50; i++) {
                results.add("\"c" + i + "\":{\"id\":" + (i + 1) + "}");
            }
            String batch = "{\"result\":{\"result\":{" + results + "},\"result_error\":{},\"result_total\":{},"
                    + "\"result_next\":{},\"result_time\":{}}," + time + "}";
            String conf = (NGINX_HEAD + """
                        default_type application/json;
                        # One JSON object per reply call: its time, method and body (JSON-escaped).
                        log_format replies escape=json '{"t":$msec,"uri":"$uri","body":"$request_body"}';
                        upstream emulator { server HOST:EMUPORT; keepalive 32; }
                        upstream canned { server 127.0.0.1:CANNED; keepalive 32; }
                        server {
                            listen 127.0.0.1:PORT backlog=4096;
                            client_max_body_size 16m;
                            client_body_buffer_size 1m;
                            client_body_in_single_buffer on;
                            location ~ ^/portal/[^/]+/rest/(imbot\\.message\\.add|imbot\\.v2\\.Chat\\.Message\\.send|batch)(\\.json)?$ {
                                access_log LOGDIR/replies.log replies buffer=256k flush=200ms;
                                proxy_pass http://canned;
                                proxy_http_version 1.1;
                                proxy_set_header Connection "";
                            }
                            location ~ ^/portal/[^/]+/rest/(imbot\\.chat\\.sendTyping|imbot\\.v2\\.Chat\\.InputAction\\.notify)(\\.json)?$ {
                                return 200 '{"result":true,TIME}';
                            }
                            location / {
                                proxy_pass http://emulator;
                                proxy_http_version 1.1;
                                proxy_set_header Connection "";
                                proxy_read_timeout 120s;
                            }
                        }
                        server {
                            listen 127.0.0.1:CANNED backlog=4096;
                            location ~ /batch(\\.json)?$ { return 200 'BATCH'; }
                            location ~ /imbot\\.v2\\. { return 200 '{"result":{"id":1,"uuidMap":{}},TIME}'; }
                            location / { return 200 '{"result":1,TIME}'; }
                        }
                    }
                    """).replace("LOGDIR", logDir.toString()).replace("DIR", dir.toString()).replace("HOST", upstream.getHost())
                    .replace("EMUPORT", Integer.toString(upstream.getPort())).replace("CANNED", Integer.toString(canned))
                    .replace("PORT", Integer.toString(port)).replace("BATCH", batch).replace("TIME", time);
            Path file = dir.resolve("nginx.conf");
            Files.writeString(file, conf);
            Path log = logDir.resolve("replies.log");
            Files.createFile(log);
            String nginx = System.getProperty("bench.nginx", "nginx");
            ProcessBuilder builder = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", file.toString(), "-e",
                    dir.resolve("error.log").toString());
            builder.redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile());
            Process process = builder.start();
            Stub stub = new Stub(process, port, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("nginx.out"))
                            + " (bench/work/nginx/error.log)");
                }
                try {
                    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(stub.url()
                            + "/portal/x/rest/imbot.chat.sendTyping")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // Not listening yet.
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nginx did not answer within 10 s (bench/work/nginx/error.log)");
                }
                Thread.sleep(50);
            }
            stub.check();
            log("stub portal: nginx %s on port %d (replies canned, the rest to the emulator)", nginx, port);
            return stub;
        }

        /** The harness checks itself: a message call and a batch of two messages and a typing are three replies. */
        void check() throws Exception {
            long from = logSize();
            String single = "{\"BOT_ID\":1,\"DIALOG_ID\":\"7\",\"MESSAGE\":\"You wrote: BENCHT1E \\\"quoted\\\"\",\"auth\":\"x\"}";
            String batch = "{\"halt\":0,\"cmd\":{\"c0\":\"imbot.message.add?BOT_ID=1&DIALOG_ID=7&MESSAGE=You+wrote%3A+BENCHT2E\","
                    + "\"c1\":\"imbot.chat.sendTyping?BOT_ID=1&DIALOG_ID=7\","
                    + "\"c2\":\"imbot.v2.Chat.Message.send?botId=1&dialogId=7&fields%5Bmessage%5D=hi\"},\"auth\":\"x\"}";
            for (String[] call : new String[][] {{"imbot.message.add", single}, {"batch", batch}}) {
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/portal/x/rest/" + call[0]))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(call[1])).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 200 || !answer.body().contains("\"result\"")) {
                    throw new IllegalStateException("the stub answered " + call[0] + " with " + answer.statusCode() + ": " + answer.body());
                }
            }
            Replies replies = replies(from);
            if (replies.count != 3 || replies.calls != 2 || replies.latencies.size() != 2) {
                throw new IllegalStateException("the stub's log counted " + replies + " for 3 replies in 2 calls");
            }
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        long logSize() throws IOException, InterruptedException {
            // Whatever nginx still buffers belongs to the previous phase.
            Thread.sleep(400);
            return Files.size(log);
        }

        /**
         * The replies logged since {@code from}: every message call, and every message command inside
         * a batch; the latency of those whose text carries a due time ("BENCHT…E").
         */
        Replies replies(long from) throws IOException, InterruptedException {
            Thread.sleep(400); // the log buffer is flushed every 200 ms
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            long count = 0;
            long calls = 0;
            double first = Double.MAX_VALUE;
            double last = 0;
            List<Long> latencies = new ArrayList<>();
            List<double[]> late = new ArrayList<>();
            try (var in = Files.newInputStream(log)) {
                in.skipNBytes(from);
                var reader = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    var entry = json.readTree(line);
                    double t = entry.get("t").asDouble();
                    String uri = entry.get("uri").asText();
                    String body = entry.get("body").asText();
                    List<String> texts = new ArrayList<>();
                    if (uri.endsWith("/batch") || uri.endsWith("/batch.json")) {
                        for (var command : json.readTree(body).path("cmd")) {
                            String text = command.asText();
                            int q = text.indexOf('?');
                            if (MESSAGE_METHODS.contains(q < 0 ? text : text.substring(0, q))) {
                                texts.add(q < 0 ? "" : URLDecoder.decode(text.substring(q + 1), StandardCharsets.UTF_8));
                            }
                        }
                    } else {
                        texts.add(body);
                    }
                    if (texts.isEmpty()) {
                        continue;
                    }
                    calls++;
                    first = Math.min(first, t);
                    last = Math.max(last, t);
                    for (String text : texts) {
                        count++;
                        Matcher sent = SENT.matcher(text);
                        if (sent.find()) {
                            long due = Long.parseLong(sent.group(1));
                            long latency = Math.round(t * 1000) - due;
                            latencies.add(latency);
                            if (latency > LATE_MS) {
                                late.add(new double[] {due / 1000.0, latency});
                            }
                        }
                    }
                }
            }
            return new Replies(count, calls, first, last, latencies, late);
        }

        void stop() throws Exception {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            if (!log.getParent().equals(work.resolve("nginx"))) {
                deleteTree(log.getParent());
            }
        }
    }

    // ---- the service ----------------------------------------------------------------------------

    /** Starts the packaged service; {@code overrides} replace its environment (a null value removes a variable). */
    static double startService(boolean worker, String name, Map<String, String> overrides) throws Exception {
        port = freePort();
        Path app = Path.of(System.getProperty("bench.app", root.resolve("target/quarkus-app").toString()))
                .resolve("quarkus-run.jar");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        // The JVM a small replica gets (docker/, deploy/); without a bound the JVM takes a quarter of
        // this machine's memory and RSS says nothing.
        command.addAll(List.of(serviceJvm.split(" ")));
        Path cacheArgs = app.resolveSibling("startup-cache.args");
        boolean cacheNamed = serviceJvm.contains("SharedArchiveFile") || serviceJvm.contains("AOTCache")
                || serviceJvm.contains("-Xshare");
        if (!cacheNamed && Files.exists(cacheArgs)) {
            command.add(Files.readString(cacheArgs).trim());
        }
        String jfr = System.getProperty("bench.jfr", "");
        if (!jfr.isEmpty() && name.equals(System.getProperty("bench.jfr-phase", "intake"))) {
            command.add("-XX:FlightRecorderOptions=stackdepth=256");
            command.add("-XX:StartFlightRecording=filename=" + Path.of(jfr).toAbsolutePath()
                    + ",settings=profile,dumponexit=true");
        }
        // The bots every portal gets (the example bots exist in dev mode only): a v1 echo bot and a v2
        // webhook bot, so both event formats are measured, and a v2 fetch-mode helper, polled as in service.
        command.addAll(List.of("-Db24.bots.echo.api=v1", "-Db24.bots.echo.code=b24bots_echo", "-Db24.bots.echo.type=B",
                "-Db24.bots.echo.name=Echo", "-Db24.bots.helper.api=v2", "-Db24.bots.helper.code=b24bots_helper",
                "-Db24.bots.helper.type=bot", "-Db24.bots.helper.event-mode=fetch", "-Db24.bots.helper.name=Helper",
                "-Db24.bots.support.api=v2", "-Db24.bots.support.code=b24bots_support",
                "-Db24.bots.support.type=bot", "-Db24.bots.support.event-mode=webhook", "-Db24.bots.support.name=Support",
                "-jar", "quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command);
        // From its own folder, as in the container: the start-up cache names the jars by their paths from there.
        builder.directory(app.getParent().toFile());
        Map<String, String> env = builder.environment();
        // As docker/Dockerfile.jvm and deploy/deployment.yaml set it.
        env.put("MALLOC_ARENA_MAX", "2");
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
        // The marketplace status reads (one app.info per portal, the first a minute after start, 500 a tick)
        // are not the event path, and their job ids would be counted as events: one read a day.
        env.put("B24_INSTALL_APP_INFO_TICK", "24h");
        overrides.forEach((key, value) -> {
            if (value == null) {
                env.remove(key);
            } else {
                env.put(key, value);
            }
        });
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
        // The JVM checks the jars' sizes and times against the cache's and otherwise runs without it, saying
        // so on one line: a build copied without its files' times (cp -r for bench.app) starts and runs
        // differently from the one beside it, which would make any A/B of the two meaningless.
        String output = Files.readString(work.resolve("service-" + name + ".log"), StandardCharsets.ISO_8859_1);
        if (CACHE_ERROR.matcher(output).find()) {
            String warning = "the service (" + name + ", " + app + ") ran WITHOUT its start-up cache (the cache did not"
                    + " match the jars; copy a build with cp -a)";
            log("WARNING: %s", warning);
            notes.add(warning);
        }
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
        return statusMb("VmHWM:");
    }

    /**
     * A size from the service's /proc status, in MB. RssFile is the part of the resident set read from
     * files (the class-data archive, the JDK's modules, jars): pages the kernel shares between replicas
     * on one node and can drop and read again, unlike the heap's.
     */
    static double statusMb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + service.pid() + "/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    // ---- installs ---------------------------------------------------------------------------------

    static void install(List<Portal> portals) throws Exception {
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
        long want = portals.size() * 3L;
        while (scalar("select count(*) from bot where status = 'registered'") < want) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("bots not registered within 300 s");
            }
            Thread.sleep(500);
        }
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
        List<String[]> delivery = new ArrayList<>();
        // The PHP peer answers v1 message events only, as Bitrix24's EchoBot does.
        List<String[]> php = new ArrayList<>();
        // Scenario "tokens": the author's token is new in every request (a series the emulator knows).
        List<String[]> fresh = new ArrayList<>();
        for (Portal portal : portals) {
            long echo = bitrix.imbot().liveBots(portal, "b24bots_echo").getFirst().id;
            long support = bitrix.imbot().liveBots(portal, "b24bots_support").getFirst().id;
            // One token per bot and author and portal, reused as Bitrix24 does within a token's hour.
            String echoToken = bitrix.issueTokens(portal, echo).accessToken();
            String authorToken = bitrix.issueTokens(portal, 7).accessToken();
            String supportToken = bitrix.issueTokens(portal, support).accessToken();
            events.add(split(v1(portal, echo, echoToken, authorToken, 7, text(14))));
            events.add(split(v2(portal, support, supportToken, 7, text(22))));
            // Scenario 2: the fixed-rate client writes the event's due time where SENTAT stands, and
            // the echo reply repeats it to the stub portal.
            delivery.add(split(v1(portal, echo, echoToken, authorToken, 7, SENTAT + " " + text(14))));
            php.add(split(v1(portal, echo, echoToken, authorToken, 7, SENTAT + " " + text(14))));
            delivery.add(split(v2(portal, support, supportToken, 7, SENTAT + " " + text(22))));
            if (SCENARIOS.contains("tokens")) {
                fresh.add(splitAll(v1(portal, echo, echoToken, bitrix.issueTokenSeries(portal, 7) + MARK, 7, text(14))));
            }
        }
        Collections.shuffle(events, new java.util.Random(42));
        Collections.shuffle(delivery, new java.util.Random(42));
        Collections.shuffle(php, new java.util.Random(42));
        for (String[] body : events.subList(0, 50)) {
            ignored.add(new String[] {body[0].replace("event=ONIMBOTMESSAGEADD", "event=ONBENCHIGNORED")
                    .replace("event=ONIMBOTV2MESSAGEADD", "event=ONBENCHIGNORED"), body[1]});
        }
        lua(dir.resolve("events.lua"), events);
        lua(dir.resolve("ignored.lua"), ignored);
        lua(dir.resolve("delivery.lua"), delivery);
        lua(dir.resolve("php.lua"), php);
        lua(dir.resolve("fresh.lua"), fresh);
        lines(dir.resolve("events.txt"), events);
        lines(dir.resolve("ignored.txt"), ignored);
        lines(dir.resolve("delivery.txt"), delivery);
        log("event bodies: %d, %d bytes each (median)", events.size(), events.get(events.size() / 2)[0].length()
                + events.get(events.size() / 2)[1].length() + 9);
        return dir;
    }

    static void lines(Path file, List<String[]> bodies) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
            for (String[] body : bodies) {
                out.println(body[0] + "\t" + body[1]);
            }
        }
    }

    static final String MARK = "COUNTERMARK";
    /** Where the fixed-rate client writes "BENCHT{due time, epoch ms}E" (letters and digits: no encoding changes it). */
    static final String SENTAT = "SENTATMARK";
    static final Pattern SENT = Pattern.compile("BENCHT([0-9]+)E");
    /** UTC wall-clock times in the logs, to line up with the service's, PostgreSQL's and the GC's. */
    static final java.time.format.DateTimeFormatter CLOCK = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(java.time.ZoneOffset.UTC);
    /** The reply-latency target at the fixed rate: later replies are listed by burst. */
    static final long LATE_MS = 25;

    static String[] split(String body) {
        int at = body.indexOf(MARK);
        String rest = body.substring(at + MARK.length());
        if (rest.contains(MARK)) {
            // The text repeats the id; the Lua side substitutes one place, so keep the id once.
            rest = rest.replace(MARK, "");
        }
        return new String[] {body.substring(0, at), rest};
    }

    /** Every place of the counter kept: the parts between them (a body whose token carries the counter too). */
    static String[] splitAll(String body) {
        return body.split(MARK, -1);
    }

    /** About 3.3 KB like a real ONIMBOTMESSAGEADD: Bitrix24 sends the bot, user, chat and params. */
    static String v1(Portal portal, long bot, String botToken, String authorToken, long user, String text) {
        String u = Long.toString(user);
        String chat = user == 7 ? "12" : Long.toString(100 + user);
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
        f.put("data[PARAMS][DIALOG_ID]", u);
        f.put("data[PARAMS][CHAT_ID]", chat);
        f.put("data[PARAMS][MESSAGE_TYPE]", "P");
        f.put("data[PARAMS][FROM_USER_ID]", u);
        f.put("data[PARAMS][TO_USER_ID]", Long.toString(bot));
        f.put("data[PARAMS][TO_CHAT_ID]", chat);
        f.put("data[PARAMS][CHAT_TYPE]", "P");
        f.put("data[PARAMS][CHAT_ENTITY_TYPE]", "");
        f.put("data[PARAMS][CHAT_ENTITY_ID]", "");
        f.put("data[PARAMS][COMMAND_CONTEXT]", "TEXTAREA");
        f.put("data[PARAMS][PLATFORM_CONTEXT]", "");
        f.put("data[PARAMS][LANGUAGE]", "en");
        f.put("data[PARAMS][MESSAGE]", text);
        f.put("data[USER][ID]", u);
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
        f.put("auth[user_id]", u);
        f.put("auth[application_token]", appToken(portal));
        return form(f);
    }

    static String v2(Portal portal, long bot, String botToken, long user, String text) {
        String u = Long.toString(user);
        String chat = user == 7 ? "12" : Long.toString(100 + user);
        Map<String, String> f = new LinkedHashMap<>();
        f.put("event", "ONIMBOTV2MESSAGEADD");
        f.put("event_handler_id", "42");
        f.put("data[message][id]", MARK);
        f.put("data[message][chatId]", chat);
        f.put("data[message][authorId]", u);
        f.put("data[message][date]", Instant.now().toString());
        f.put("data[message][text]", text);
        f.put("data[message][isSystem]", "0");
        f.put("data[chat][id]", chat);
        f.put("data[chat][dialogId]", u);
        f.put("data[chat][type]", "private");
        f.put("data[chat][name]", "Ann Example");
        f.put("data[user][id]", u);
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
            out.println("-- Generated by bench/Bench.java: one body per portal and bot, a counter spliced into each (between its parts).");
            out.println("local bodies = {");
            for (String[] body : bodies) {
                out.println("{\"" + String.join("\",\"", body) + "\"},");
            }
            out.println("}");
            out.println("local counter = tonumber(os.getenv('BENCH_OFFSET') or '0')");
            out.println("wrk.method = 'POST'");
            out.println("wrk.headers['Content-Type'] = 'application/x-www-form-urlencoded'");
            out.println("request = function()");
            out.println("  counter = counter + 1");
            out.println("  local b = bodies[(counter % #bodies) + 1]");
            out.println("  return wrk.format(nil, nil, nil, table.concat(b, tostring(counter)))");
            out.println("end");
        }
    }

    // ---- load generators ------------------------------------------------------------------------

    record Wrk(double rps, double p50, double p99, long ok, long errors) {
    }

    static Wrk wrk(String path, Path script, int seconds, int connections, long offset) throws Exception {
        return wrk(port, path, script, seconds, connections, offset);
    }

    static Wrk wrk(int target, String path, Path script, int seconds, int connections, long offset) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), "http://127.0.0.1:" + target + path);
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

    static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
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

    /** A fixed-rate stage: {@code errors} counts every answer but 200 and every failed request, {@code busy} the 503s among them. */
    record Fixed(double achieved, double p50, double p99, long ok, long errors, long busy) {
    }

    /** Runs the fixed-rate client in its own JVM, so it does not share this one's heap or threads. */
    static Fixed fixedRate(Path bodies, int rate, int seconds, long offset) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // The client's JVM disturbs the service as little as it can on two shared cores: C1 only (C2
        // compiling the client's HTTP code took a core a few seconds into every stage) and the serial
        // collector with a young generation that a stage does not fill: the JDK's HTTP client allocates
        // about 45 KB a request, and a collection of its eden stops the sender for 30-35 ms, a delay
        // that counts as the service's latency (a 410 MB eden filled 9 s into a stage at 1,000/s).
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(CLIENT_JVM.split(" ")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "Bench", "rate",
                "http://127.0.0.1:" + port + "/b24/events", bodies.toString(), Integer.toString(rate),
                Integer.toString(seconds), Long.toString(offset)));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        Fixed result = new Fixed(number(out, "achieved=([0-9.]+)"), number(out, "p50=([0-9.]+)"),
                number(out, "p99=([0-9.]+)"), (long) number(out, "ok=([0-9]+)"), (long) number(out, "errors=([0-9]+)"),
                (long) number(out, "busy=([0-9]+)"));
        log("fixed %d/s: achieved %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors", rate, result.achieved, result.p50,
                result.p99, result.errors);
        Matcher slow = Pattern.compile("slow=(.*)").matcher(out);
        if (slow.find()) {
            Matcher timedStart = Pattern.compile("timed-start=(\\S+)").matcher(out);
            log("fixed %d/s: over 25 ms, by the tenth of a second they were due in (s after the timed start%s: count): %s",
                    rate, timedStart.find() ? ", " + timedStart.group(1) + " UTC" : "", slow.group(1));
        }
        Matcher failures = Pattern.compile("failures=(\\{.+\\})").matcher(out);
        if (failures.find()) {
            log("fixed %d/s: failed requests by kind: %s", rate, failures.group(1));
        }
        Matcher hiccups = Pattern.compile("hiccups=(.*)").matcher(out);
        if (hiccups.find() && !hiccups.group(1).isBlank()) {
            log("fixed %d/s: the client itself stalled over 10 ms at (UTC): %s", rate, hiccups.group(1));
        }
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
        // The first 3 s warm this client's own JVM and connections up; they are sent (and stored) but not
        // timed. The first 2 of them go at a quarter of the rate: on two cores the client's own start and
        // compiles took most of a core for about a second, and at the full rate the service, starved
        // meanwhile, entered the timed part behind (every request of a stage late, by 0.5-7 s).
        int gentle = rate / 2;
        int warm = gentle + rate;
        int total = warm + rate * seconds;
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        // Requests over 25 ms by the tenth of a second they were due in: a stall shows as one crowded tenth.
        java.util.concurrent.ConcurrentSkipListMap<Long, Integer> slow = new java.util.concurrent.ConcurrentSkipListMap<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong busy = new AtomicLong();
        Map<String, Integer> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
        // Counted down as answers come; the futures are not kept: holding every request and answer
        // made the client's own collections copy 50 MB (25-30 ms pauses that counted as the service's latency).
        java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(total);
        // This JVM's own stalls (its threads not running for over 10 ms), with their times: a burst of
        // late replies at such a time is the client's, not the service's.
        java.util.concurrent.ConcurrentLinkedQueue<String> hiccups = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            long last = System.nanoTime();
            while (true) {
                LockSupport.parkNanos(1_000_000L);
                long now = System.nanoTime();
                if (now - last > 10_000_000L) {
                    hiccups.add(CLOCK.format(Instant.ofEpochMilli(System.currentTimeMillis() - (now - last) / 1_000_000L)) + ":"
                            + (now - last) / 1_000_000L + "ms");
                }
                last = now;
            }
        });
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        for (int i = 0; i < total; i++) {
            long offsetNanos = i < gentle ? (long) (i * 4e9 / rate) : 2_000_000_000L + (long) ((i - gentle) * 1e9 / rate);
            long due = start + offsetNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long counter = offset + i;
            boolean timed = i >= warm;
            String[] body = bodies.get((int) (counter % bodies.size()));
            // Made for warm requests too: the first run of a string concatenation links it (tens of
            // milliseconds in this C1-only JVM), which had shown as a stall at the timed start.
            String sentAt = "BENCHT" + (startMillis + offsetNanos / 1_000_000L) + "E";
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString((body[0] + counter + body[1]).replace(SENTAT,
                            timed ? sentAt : "warm"))).build();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (timed) {
                    long latency = System.nanoTime() - due;
                    latencies.add(latency);
                    if (latency > 25_000_000L) {
                        slow.merge((due - start) / 100_000_000L, 1, Integer::sum);
                    }
                }
                if (error == null && response.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                    if (error == null && response.statusCode() == 503) {
                        busy.incrementAndGet();
                    }
                    String kind = error != null ? rootCause(error).getClass().getSimpleName() : "status " + response.statusCode();
                    failures.merge(kind, 1, Integer::sum);
                }
                answered.countDown();
            });
        }
        answered.await();
        double elapsed = (System.nanoTime() - start) / 1e9 - 3;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("achieved=%.1f p50=%.3f p99=%.3f ok=%d errors=%d busy=%d%n", (total - warm) / elapsed,
                sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6, ok.get(), errors.get(),
                busy.get());
        StringBuilder crowded = new StringBuilder();
        slow.forEach((tenth, count) -> crowded.append(String.format(" %.1fs:%d", tenth / 10.0 - 3, count)));
        System.out.println("slow=" + slow.values().stream().mapToInt(Integer::intValue).sum() + crowded);
        System.out.println("hiccups=" + String.join(" ", hiccups));
        System.out.println("failures=" + failures);
        System.out.println("timed-start=" + java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(startMillis + 3000),
                java.time.ZoneOffset.UTC));
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
        // Its JDBC placeholders, in order (JobStore.claim): the max attempts, the abandoned error text, the max
        // attempts again, the worker, the lease in seconds, the most jobs to take.
        String claim = ((String) field.get(null)).replaceFirst("\\?", "10").replaceFirst("\\?", "'bench: abandoned'")
                .replaceFirst("\\?", "10").replaceFirst("\\?", "'bench'").replaceFirst("\\?", "60")
                .replaceFirst("\\?", "8");
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

    /**
     * Drops the bot events an earlier scenario left queued (scenario 1 runs without a worker) and
     * vacuums the job table, so a scenario starts as a service in use would: a job table holding the
     * work in flight, not a hundred thousand rows for every autovacuum and analyze to walk.
     */
    /**
     * CPU seconds (user and system) used so far by the service, by PostgreSQL's processes and by the
     * stub's nginx: per event, a figure the machine's drift moves far less than a rate does.
     * Processes that ended (a backend that closed) drop out, so take both readings while the same ones run.
     */
    record Cpu(double service, double postgres, double stub, double php) {
        static final double TICKS = 100.0;

        static Cpu now() throws IOException {
            double service = 0, postgres = 0, stub = 0, php = 0;
            try (var processes = Files.list(Path.of("/proc"))) {
                for (Path proc : (Iterable<Path>) processes::iterator) {
                    if (!proc.getFileName().toString().chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String command = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ');
                        String stat = Files.readString(proc.resolve("stat"));
                        // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
                        if (command.contains("quarkus-run.jar")) {
                            service += seconds;
                        } else if (command.contains("php-fpm") || command.contains(PHP_DIR)) {
                            php += seconds;
                        } else if (command.startsWith("postgres") || command.contains("/bin/postgres")) {
                            postgres += seconds;
                        } else if (command.contains("nginx")) {
                            stub += seconds;
                        }
                    } catch (IOException | RuntimeException gone) {
                        // The process ended while being read.
                    }
                }
            }
            return new Cpu(service, postgres, stub, php);
        }

        Cpu minus(Cpu before) {
            return new Cpu(service - before.service, postgres - before.postgres, stub - before.stub, php - before.php);
        }
    }

    static void statementsReset() throws SQLException {
        if (PG_STATEMENTS) {
            exec("select pg_stat_statements_reset()");
        }
    }

    /** The statements PostgreSQL spent most time on since {@link #statementsReset}, with their WAL. */
    static void statementsWrite(String stage) throws Exception {
        if (!PG_STATEMENTS) {
            return;
        }
        StringBuilder out = new StringBuilder(String.format("%10s %10s %10s %9s %10s %12s %9s  %s%n", "exec ms", "plan ms", "calls",
                "mean ms", "rows", "wal bytes", "blk dirt", "query"));
        try (Connection connection = connect(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("""
                        select total_exec_time, total_plan_time, calls, mean_exec_time, rows, wal_bytes, shared_blks_dirtied,
                               regexp_replace(query, '\\s+', ' ', 'g')
                        from pg_stat_statements order by total_exec_time + total_plan_time desc limit 25""")) {
            while (row.next()) {
                out.append(String.format("%10.0f %10.0f %10d %9.3f %10d %12d %9d  %s%n", row.getDouble(1), row.getDouble(2),
                        row.getLong(3), row.getDouble(4), row.getLong(5), row.getLong(6), row.getLong(7), row.getString(8)));
            }
        }
        Files.writeString(work.resolve("pg-statements-" + stage + ".txt"), out.toString());
    }

    static void discardQueuedEvents() throws SQLException {
        // Every status: scenario 4's claim timing marks scenario 1's queued events done, and a service
        // in use keeps none (a handled bot event's job is deleted).
        exec("delete from job where kind = 'bot-event'");
        // Scenario 1 (no worker) leaves a few hundred thousand queued events. Deleted, their table and
        // index pages stay, and every vacuum of the queue (each 10 s under load) walked them: 0.5-1 s each,
        // against ~20 ms for the table of a service in use. Rewritten, the table starts as one would.
        exec("vacuum full analyze job");
    }

    /** The last job id handed out, deleted or not. */
    static long lastJobId() throws SQLException {
        return scalar("select last_value from job_id_seq");
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

    /**
     * Creates the WAL files a database in service would already have, then checkpoints so they are
     * recycled: the stages then measure commits, not the one-off creation of a fresh cluster's files.
     */
    static void warmWal() throws SQLException {
        long start = System.nanoTime();
        exec("create table wal_warm (i int)");
        exec("do $$ begin for i in 1..128 loop insert into wal_warm values (i); perform pg_switch_wal(); end loop; end $$");
        exec("drop table wal_warm");
        exec("checkpoint");
        log("PostgreSQL: 2 GB of WAL files made and recycled in %.1f s, as a database in service has them",
                (System.nanoTime() - start) / 1e9);
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
