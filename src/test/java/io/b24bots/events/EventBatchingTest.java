package io.b24bots.events;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Events arriving together are committed together (group commit): each still gets its own
 * answer, a repeat in the same burst is a duplicate, and everything answered "ok" is queued.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class EventBatchingTest {

    static final int MESSAGES = 40;

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aBurstOfEventsAndTheirRepeatsIsQueuedExactlyOnceEach() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        long echo = bitrix.imbot().liveBots(portal, "b24bots_echo").getFirst().id;
        String botToken = TestPortals.userToken(bitrix, portal, echo);
        String authorToken = TestPortals.userToken(bitrix, portal, 7);

        // Every message twice, all at once from 16 clients, as Bitrix24 retrying a slow answer would.
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
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(portal).size() >= MESSAGES);
        assertThat(bitrix.imbot().messages(portal)).hasSize(MESSAGES);
    }
}
