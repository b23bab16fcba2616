package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.b24bots.testing.Bitrix24Emulator.Portal;
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
 * Hostile portals against the packaged service under the JVM flags it ships with (docker/Dockerfile.jvm:
 * a 112 MB heap that exits on running out of memory), so that what a portal can make it hold is
 * measured against the heap production has, not the test JVM's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileTenantsIT {

    static Bitrix24Emulator bitrix;
    static EmbeddedPostgres postgres;
    static PackagedService service;

    @BeforeAll
    static void start() throws Exception {
        bitrix = new Bitrix24Emulator(TestEnvironment.CLIENT_ID, TestEnvironment.CLIENT_SECRET);
        postgres = EmbeddedPostgres.builder().start();
        Map<String, String> env = PackagedService.environment(bitrix, postgres.getJdbcUrl("postgres", "postgres"));
        env.put("B24_REST_REQUESTS_PER_SECOND", "20");
        env.put("B24_JOBS_BACKOFF", "PT0.5S");
        service = PackagedService.start("hostile-tenants", env).awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (bitrix != null) {
            bitrix.close();
        }
    }

    /**
     * 3.9 MB of {@code {"result":[{},{},…]}}, under the 4 MB byte cap, is over a million objects once
     * parsed: before answers were bounded in tokens, building that tree outgrew the heap and the process
     * exited, and so did every replica that took the job over. Now each reply fails as a malformed answer,
     * once (the portal's fault, not retried), and the other portal's bot answers as usual.
     */
    @Test
    @Order(1)
    void aPortalAnsweringMillionsOfObjectsTakesNoReplicaDown() throws Exception {
        Portal hostile = install();
        Portal healthy = install();
        String millions = manyEmptyObjects(3_900_000);
        bitrix.answerRaw(hostile, "imbot.message.add", -1, Bitrix24Emulator.rawJson(200, millions));
        bitrix.answerRaw(hostile, "imbot.v2.Chat.Message.send", -1, Bitrix24Emulator.rawJson(200, millions));

        long echo = TestPortals.botId(bitrix, hostile, "b24bots_echo");
        assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, hostile, echo, "hello")).statusCode())
                .isEqualTo(200);
        long helper = TestPortals.botId(bitrix, hostile, "b24bots_helper");
        bitrix.imbot().pushEvent(hostile, helper, "ONIMBOTV2MESSAGEADD", Map.of(
                "bot", Map.of("id", helper, "code", "b24bots_helper"),
                "message", Map.of("id", 77, "chatId", 3, "authorId", 7, "text", "hello", "isSystem", false),
                "chat", Map.of("id", 3, "dialogId", "7", "type", "private"),
                "user", Map.of("id", 7, "bot", false, "type", "employee"),
                "language", "en"));

        // The handlers' failures are kept on the bot rows, where the admin page shows them.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> scalar(
                "select count(*) from bot where member_id = '" + hostile.memberId + "' and last_error_code = 'HANDLER_FAILED'"
                        + " and last_error_text like '%MALFORMED_ANSWER'") == 2);
        assertThat(bitrix.calls(hostile.memberId, "imbot.message.add")).as("not retried").hasSize(1);
        assertThat(bitrix.calls(hostile.memberId, "imbot.v2.Chat.Message.send")).as("not retried").hasSize(1);

        long healthyEcho = TestPortals.botId(bitrix, healthy, "b24bots_echo");
        assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, healthy, healthyEcho, "still there?"))
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(healthy).size() == 1);
        assertThat(service.process().isAlive()).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
    }

    /**
     * Hostile portals and healthy ones together for {@code -Dsoak.seconds} (45 in the build;
     * docs/SECURITY.md "Soak" reports a longer run): answers of millions of objects, answers that take 15 s, endless
     * paging, forged events with made-up application tokens, unproven deletions with half a megabyte of
     * padding, floods of made-up bot tokens and install tokens. The healthy portals' bots keep
     * answering every message once, the process never exits, and nothing is lost.
     */
    @Test
    @Order(2)
    void aSoakOfHostilePortalsBesideHealthyOnes() throws Exception {
        int seconds = Integer.getInteger("soak.seconds", 45);
        List<Portal> healthy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            healthy.add(install());
        }
        Portal huge = install();
        bitrix.answerRaw(huge, "imbot.message.add", -1, Bitrix24Emulator.rawJson(200, manyEmptyObjects(3_900_000)));
        Portal slow = install();
        slow.latencyMillis = 15_000;
        Portal paging = install();
        bitrix.answerRaw(paging, "imbot.v2.Bot.list", -1, Bitrix24Emulator.rawJson(200,
                "{\"result\":{\"bots\":[{\"id\":7,\"code\":\"someone_else\"}],\"users\":[],\"hasNextPage\":true}}"));
        Portal forged = install();

        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Portal> sentTo = new ConcurrentHashMap<>();
        AtomicLong healthyRefused = new AtomicLong();
        Map<String, AtomicLong> hostileSent = new ConcurrentHashMap<>();
        AtomicLong counter = new AtomicLong();
        String padding = "x".repeat(480 * 1024);
        ScheduledExecutorService load = Executors.newScheduledThreadPool(4);
        ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
        long rss = 0;
        try {
            for (Portal portal : healthy) {
                long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
                load.scheduleAtFixedRate(() -> senders.execute(() -> {
                    String text = "soak " + counter.incrementAndGet();
                    sentAt.put(text, System.nanoTime());
                    sentTo.put(text, portal);
                    try {
                        if (service.post("/b24/events", PackagedService.messageBody(bitrix, portal, echo, text)).statusCode() != 200) {
                            healthyRefused.incrementAndGet();
                            sentAt.remove(text);
                        }
                    } catch (Exception e) {
                        healthyRefused.incrementAndGet();
                        sentAt.remove(text);
                    }
                }), 0, 200, TimeUnit.MILLISECONDS);
            }
            hostile(load, senders, hostileSent, "huge answers", 500, () -> PackagedService.messageBody(bitrix, huge,
                    TestPortals.botId(bitrix, huge, "b24bots_echo"), "huge " + counter.incrementAndGet()));
            hostile(load, senders, hostileSent, "slow answers", 500, () -> PackagedService.messageBody(bitrix, slow,
                    TestPortals.botId(bitrix, slow, "b24bots_echo"), "slow " + counter.incrementAndGet()));
            hostile(load, senders, hostileSent, "endless paging (forged v2 deletions)", 200, () -> PackagedService.form(Map.of(
                    "event", "ONIMBOTV2DELETE", "data[bot][id]",
                    String.valueOf(TestPortals.botId(bitrix, paging, "b24bots_helper")),
                    "data[n]", String.valueOf(counter.incrementAndGet()), "auth[member_id]", paging.memberId,
                    "auth[application_token]", PackagedService.applicationToken(paging))));
            hostile(load, senders, hostileSent, "made-up application tokens", 50, () -> PackagedService.form(Map.of(
                    "event", "ONAPPUPDATE", "auth[member_id]", forged.memberId,
                    "auth[application_token]", "made-up-" + counter.incrementAndGet())));
            hostile(load, senders, hostileSent, "unproven deletions of 480 KB", 500, () -> PackagedService.form(Map.of(
                    "event", "ONIMBOTDELETE", "data[BOT_ID]",
                    String.valueOf(TestPortals.botId(bitrix, forged, "b24bots_echo")),
                    "data[PADDING]", padding + counter.incrementAndGet(), "auth[member_id]", forged.memberId,
                    "auth[application_token]", PackagedService.applicationToken(forged))));
            hostile(load, senders, hostileSent, "made-up bot tokens", 100, () -> PackagedService.messageBody(bitrix, forged,
                    TestPortals.botId(bitrix, forged, "b24bots_echo"), "bogus " + counter.incrementAndGet(),
                    "made-up-bot-token-" + counter.incrementAndGet()));
            hostile(load, senders, hostileSent, "made-up install tokens", 200, () -> "install:" + counter.incrementAndGet());

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                assertThat(service.process().isAlive()).as("the service runs").isTrue();
                rss = Math.max(rss, rss(service.process().pid()));
                Thread.sleep(1_000);
            }
        } finally {
            load.shutdownNow();
            senders.shutdown();
            senders.awaitTermination(30, TimeUnit.SECONDS);
        }

        Map<String, Long> repliedAt = new HashMap<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            repliedAt.clear();
            for (Portal portal : healthy) {
                for (Bitrix24Emulator.Call call : bitrix.calls(portal.memberId, "imbot.message.add")) {
                    String text = String.valueOf(call.param("MESSAGE")).replace("You wrote: ", "");
                    repliedAt.merge(text, call.at().toEpochMilli(), Math::min);
                }
            }
            return repliedAt.keySet().containsAll(sentAt.keySet());
        });
        long replies = healthy.stream().mapToLong(p -> bitrix.imbot().messages(p).size()).sum();
        assertThat(replies).as("each healthy message answered once, none twice").isEqualTo(sentAt.size());
        assertThat(healthyRefused).as("no healthy event refused").hasValue(0);
        assertThat(service.process().isAlive()).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");

        // Latency from each message's post to its reply reaching the portal (wall clock on one machine).
        long offset = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        List<Long> latencies = sentAt.entrySet().stream()
                .map(e -> repliedAt.get(e.getKey()) - (offset + TimeUnit.NANOSECONDS.toMillis(e.getValue())))
                .sorted().toList();
        String figures = String.format(Locale.ROOT,
                "Soak of %d s under the shipped JVM flags: %d healthy messages on 4 portals, all answered once; reply "
                        + "latency p50 %d ms, p99 %d ms, max %d ms; service RSS at most %d MB; hostile requests: %s",
                seconds, sentAt.size(), latencies.get(latencies.size() / 2), latencies.get(latencies.size() * 99 / 100),
                latencies.getLast(), rss / 1024, new TreeMap<>(hostileSent));
        System.out.println(figures);
        Files.writeString(Path.of("target", "hostile-soak.txt"), figures + System.lineSeparator());
        assertThat(latencies.get(latencies.size() * 99 / 100)).as("p99 reply latency, ms").isLessThan(10_000);
    }

    /**
     * Events arrive whether or not the replica keeps up, and each waits in it until its batch commits. 2,400
     * messages of 25 KB sent at once are over 200 MB once taken in: before the intake had a memory budget, a
     * burst like it (or a few seconds' stall at 1,000 events a second) ran the 112 MB heap out. Now the
     * events past the budget are refused with 503 at once, the others are stored and answered once each,
     * and a refused event leaves nothing behind.
     */
    @Test
    @Order(3)
    void aFloodOfEventsIsRefusedPastTheReplicasMemoryNotRunOutOf() throws Exception {
        List<Portal> portals = new ArrayList<>();
        Map<Portal, Sender> senders = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            Portal portal = install();
            long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
            Sender sender = new Sender(portal, echo, bitrix.issueTokens(portal, echo).accessToken(),
                    bitrix.issueTokens(portal, 7).accessToken());
            // The tokens' proofs, once, before the flood (they are cached; the flood needs none).
            assertThat(service.post("/b24/events", sender.message(0, "")).statusCode()).isEqualTo(200);
            portals.add(portal);
            senders.put(portal, sender);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> portals.stream().allMatch(p -> bitrix.imbot().messages(p).size() == 1));
        long marksBefore = scalar("select count(*) from event_dedup");

        String padding = "x".repeat(25 * 1024);
        Map<Integer, AtomicLong> answers = new ConcurrentHashMap<>();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        for (int i = 1; i <= 2_400; i++) {
            String body = senders.get(portals.get(i % portals.size())).message(i, padding);
            clients.execute(() -> {
                int status;
                try {
                    go.await();
                    status = service.post("/b24/events", body).statusCode();
                } catch (Exception e) {
                    status = -1;
                    failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
                }
                answers.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            });
        }
        go.countDown();
        clients.shutdown();
        assertThat(clients.awaitTermination(3, TimeUnit.MINUTES)).isTrue();

        assertThat(service.process().isAlive()).as("the service runs").isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
        // 200 (stored), 503 (refused for memory), or a client-side failure on a slow machine: nothing else.
        assertThat(answers.keySet()).isSubsetOf(200, 503, -1);
        long acked = answers.getOrDefault(200, new AtomicLong()).get();
        assertThat(answers.getOrDefault(503, new AtomicLong()).get()).as("refused for memory, of " + answers + ", failures " + failures).isPositive();
        assertThat(acked).as("stored, of " + answers).isPositive();
        assertThat(scalar("select count(*) from event_dedup") - marksBefore)
                .as("one mark for each stored event, none for a refused one").isEqualTo(acked);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> portals.stream().mapToLong(p -> bitrix.imbot().messages(p).size()).sum() >= acked + portals.size());
        assertThat(portals.stream().mapToLong(p -> bitrix.imbot().messages(p).size()).sum())
                .as("every stored event answered once").isEqualTo(acked + portals.size());
        System.out.println("Flood of 2,400 messages of 25 KB at once under the shipped JVM flags: " + new TreeMap<>(answers));
    }

    /** A user writing to a portal's echo bot with tokens already proven: message {@code n}, numbered for dedup. */
    record Sender(Portal portal, long echo, String botToken, String authorToken) {
        String message(int n, String padding) {
            return PackagedService.messageBody(bitrix, portal, echo, "flood " + n + " " + padding, botToken, authorToken,
                    900_000 + n);
        }
    }

    /** Sends one hostile request every {@code everyMillis}, from its own made-up client address behind the trusted proxy. */
    static void hostile(ScheduledExecutorService load, ExecutorService senders, Map<String, AtomicLong> sent, String kind,
            long everyMillis, Supplier<String> body) {
        AtomicLong count = sent.computeIfAbsent(kind, k -> new AtomicLong());
        load.scheduleAtFixedRate(() -> senders.execute(() -> {
            try {
                String form = body.get();
                if (form.startsWith("install:")) {
                    Portal victim = bitrix.createPortal();
                    service.post(PackagedService.installPath(victim), PackagedService.frameBody(bitrix, victim,
                            new Bitrix24Emulator.Tokens("made-up-" + form, "made-up", 1, victim.memberId)));
                } else {
                    service.post("/b24/events", form);
                }
                count.incrementAndGet();
            } catch (Exception e) {
                // A hostile request answered slowly or cut off is part of the test.
            }
        }), 0, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** The resident set of a process, in kB, from /proc (0 where there is none). */
    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or the process is gone: reported as 0.
        }
        return 0;
    }

    static Portal install() throws Exception {
        Portal portal = bitrix.createPortal();
        assertThat(service.post(PackagedService.installPath(portal),
                PackagedService.frameBody(bitrix, portal, bitrix.issueTokens(portal, 1))).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> scalar(
                "select count(*) from bot where status = 'registered' and member_id = '" + portal.memberId + "'") == 2);
        return portal;
    }

    /** {@code {"result":[{},{},…]}} of about {@code bytes} bytes. */
    static String manyEmptyObjects(int bytes) {
        StringBuilder body = new StringBuilder(bytes + 16).append("{\"result\":[{}");
        while (body.length() < bytes) {
            body.append(",{}");
        }
        return body.append("]}").toString();
    }

    static long scalar(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
