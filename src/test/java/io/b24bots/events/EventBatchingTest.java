package io.b24bots.events;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

import io.b24bots.jobs.JobOffers;
import io.b24bots.jobs.JobQueue;
import io.b24bots.jobs.JobWorker;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Events arriving together are committed together (group commit): each still gets its own
 * answer, a repeat in the same burst is a duplicate, and everything answered "ok" is queued.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class EventBatchingTest {

    static final int MESSAGES = 40;

    /** Paused while a test counts the jobs its burst queued: a handled event's job is deleted. */
    @Inject
    JobWorker worker;

    @AfterEach
    void resumeWorker() {
        worker.resume();
    }

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aBurstOfEventsAndTheirRepeatsIsQueuedExactlyOnceEach() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        String botToken = TestPortals.userToken(bitrix, portal, echo);
        String authorToken = TestPortals.userToken(bitrix, portal, 7);

        // Every message twice, all at once from 16 clients, as Bitrix24 retrying a slow answer would.
        worker.pause();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<Future<Response>> answers = new ArrayList<>();
        try {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < MESSAGES; i++) {
                    int message = i;
                    Callable<Response> send = () -> event("ONIMBOTMESSAGEADD", portal, TestPortals.applicationToken(portal))
                            .formParam("data[BOT][" + echo + "][BOT_ID]", String.valueOf(echo))
                            .formParam("data[BOT][" + echo + "][access_token]", botToken)
                            .formParam("auth[access_token]", authorToken)
                            .formParam("data[PARAMS][DIALOG_ID]", "7")
                            .formParam("data[PARAMS][FROM_USER_ID]", "7")
                            .formParam("data[PARAMS][MESSAGE_TYPE]", "P")
                            .formParam("data[PARAMS][MESSAGE_ID]", String.valueOf(1000 + message))
                            .formParam("data[PARAMS][MESSAGE]", "burst " + message)
                            .post("/b24/events");
                    answers.add(clients.submit(send));
                }
            }
            List<String> results = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response response = answer.get();
                assertThat(response.statusCode()).isEqualTo(200);
                results.add(response.jsonPath().getString("result"));
            }
            assertThat(results).filteredOn("ok"::equals).hasSize(MESSAGES);
            assertThat(results).filteredOn("duplicate"::equals).hasSize(MESSAGES);
        } finally {
            clients.shutdownNow();
        }

        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                .as("one job per message, committed before its 200").isEqualTo(MESSAGES);
        worker.resume();
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(portal).size() >= MESSAGES);
        assertThat(bitrix.imbot().messages(portal)).hasSize(MESSAGES);
    }

    @Test
    void aFullPortalsEventsAreRefusedWhileItsNeighboursInTheBurstAreQueued() throws Exception {
        Portal full = TestPortals.installed(bitrix);
        Portal other = TestPortals.installed(bitrix);
        // The full portal's queue: the cap's worth of jobs, due tomorrow so no worker takes them meanwhile.
        Database.update("""
                insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at)
                select 'bot-event', ?, 'queued', 0, now() + interval '1 day', now(), now()
                from generate_series(1, 5000)""", full.memberId);

        worker.pause();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<Future<Response>> fullAnswers = new ArrayList<>();
        List<Future<Response>> otherAnswers = new ArrayList<>();
        try {
            for (int i = 0; i < MESSAGES; i++) {
                int message = i;
                fullAnswers.add(clients.submit(() -> message(full, message).post("/b24/events")));
                otherAnswers.add(clients.submit(() -> message(other, message).post("/b24/events")));
            }
            for (Future<Response> answer : fullAnswers) {
                answer.get().then().statusCode(429).body("error", equalTo("too_many_requests"));
            }
            for (Future<Response> answer : otherAnswers) {
                answer.get().then().statusCode(200).body("result", equalTo("ok"));
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", other.memberId))
                .isEqualTo(MESSAGES);

        // Once the queue has room, Bitrix24's next delivery of a refused event is queued, not a "duplicate".
        Database.update("delete from job where member_id = ? and run_at > now() + interval '1 hour'", full.memberId);
        message(full, 3).post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        message(full, 3).post("/b24/events").then().statusCode(200).body("result", equalTo("duplicate"));
    }

    /** The echo bot's id, its token and an author's, per portal: proven once, as Bitrix24 reuses them. */
    private final Map<String, String[]> senders = new ConcurrentHashMap<>();

    private RequestSpecification message(Portal portal, int message) {
        String[] sender = senders.computeIfAbsent(portal.memberId, member -> {
            long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
            return new String[] {String.valueOf(echo), TestPortals.userToken(bitrix, portal, echo),
                    TestPortals.userToken(bitrix, portal, 7)};
        });
        return event("ONIMBOTMESSAGEADD", portal, TestPortals.applicationToken(portal))
                .formParam("data[BOT][" + sender[0] + "][BOT_ID]", sender[0])
                .formParam("data[BOT][" + sender[0] + "][access_token]", sender[1])
                .formParam("auth[access_token]", sender[2])
                .formParam("data[PARAMS][DIALOG_ID]", "7")
                .formParam("data[PARAMS][FROM_USER_ID]", "7")
                .formParam("data[PARAMS][MESSAGE_TYPE]", "P")
                .formParam("data[PARAMS][MESSAGE_ID]", String.valueOf(2000 + message))
                .formParam("data[PARAMS][MESSAGE]", "to a full portal " + message);
    }

    @Inject
    JobQueue queue;

    @Inject
    DataSource database;

    /**
     * PostgreSQL re-plans a statement per execution when the table's statistics make its generic
     * plan look dearer; for the batch's job insert that cost more than the insert. The batch's first
     * statement keeps the generic plans for its transaction, and only that one: the connection goes
     * back to the pool as it was.
     */
    @Test
    void aBatchKeepsGenericPlansForItsTransactionOnly() throws Exception {
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            assertThat(setting(connection)).isEqualTo("auto");
            JobOffers offers = queue.offers(0);
            queue.offerAll(connection, offers, "plan-test", List.of("plan-test"), List.of("{}"));
            offers.abandoned();
            assertThat(setting(connection)).isEqualTo("force_generic_plan");
            connection.rollback();
            assertThat(setting(connection)).isEqualTo("auto");
        }
    }

    private static String setting(Connection connection) throws SQLException {
        try (var statement = connection.createStatement(); var row = statement.executeQuery("show plan_cache_mode")) {
            row.next();
            return row.getString(1);
        }
    }
}
