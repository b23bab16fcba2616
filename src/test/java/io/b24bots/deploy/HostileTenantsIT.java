package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.PackagedService;
import io.b24bots.testing.TestEnvironment;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

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

        long echo = bitrix.imbot().liveBots(hostile, "b24bots_echo").getFirst().id;
        assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, hostile, echo, "hello")).statusCode())
                .isEqualTo(200);
        long helper = bitrix.imbot().liveBots(hostile, "b24bots_helper").getFirst().id;
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

        long healthyEcho = bitrix.imbot().liveBots(healthy, "b24bots_echo").getFirst().id;
        assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, healthy, healthyEcho, "still there?"))
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(healthy).size() == 1);
        assertThat(service.process().isAlive()).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
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
