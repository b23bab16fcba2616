package io.b24bots.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.Database;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Events past the replica's intake memory are refused at once with 503, before their bodies are read,
 * and nothing of them is stored; one portal's events hold at most half of it; every request gives its share
 * back when it is answered or its client hangs up, so a burst leaves nothing behind.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class IntakeMemoryTest {

    @Inject
    IntakeMemory memory;

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void anEventThatFindsTheMemoryTakenIsRefusedWith503AndNotStored() {
        Portal portal = TestPortals.installed(bitrix);
        long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.used() == 0);
        double refusedBefore = Metrics.sum("b24_events_refused_total", "reason=\"busy\"");

        // Everything the budget holds, taken as a flood of waiting events would take it.
        long flood = Long.MAX_VALUE / 4;
        assertThat(memory.tryReserve(flood)).isTrue();
        try {
            message(portal, echo, "while full").post("/b24/events").then().statusCode(503)
                    .header("Retry-After", "1")
                    .body("error", equalTo("temporarily_unavailable"));
        } finally {
            memory.release(flood);
        }
        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"busy\"")).isEqualTo(refusedBefore + 1);
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                .as("nothing of the refused event was stored").isZero();

        // Sent again once there is room: taken in as new (the refusal left no dedup mark), answered once.
        message(portal, echo, "while full").post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(portal).size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.used() == 0);
    }

    @Test
    void aPortalWhoseEventsHoldHalfTheMemoryHasItsNextRefusedWhileAnotherPortalsGoesThrough() {
        Portal noisy = TestPortals.installed(bitrix);
        Portal quiet = TestPortals.installed(bitrix);
        long noisyEcho = TestPortals.botId(bitrix, noisy, "b24bots_echo");
        long quietEcho = TestPortals.botId(bitrix, quiet, "b24bots_echo");
        double refusedBefore = Metrics.sum("b24_events_refused_total", "reason=\"portal_busy\"");

        // Half the budget, held by the noisy portal's events as a flood from it would hold it.
        long half = memory.capacity() / 2;
        assertThat(memory.tryHoldFor(noisy.memberId, half)).isTrue();
        try {
            message(noisy, noisyEcho, "one too many").post("/b24/events").then().statusCode(503)
                    .body("error", equalTo("temporarily_unavailable"));
            message(quiet, quietEcho, "meanwhile").post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        } finally {
            memory.releaseFor(noisy.memberId, half);
        }
        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"portal_busy\"")).isEqualTo(refusedBefore + 1);
        assertThat(memory.heldFor(noisy.memberId)).isZero();
        assertThat(memory.heldFor(quiet.memberId)).as("given back once answered").isZero();

        message(noisy, noisyEcho, "one too many").post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(noisy).size() == 1
                && bitrix.imbot().messages(quiet).size() == 1);
    }

    @Test
    void aRequestHoldsItsShareUntilItsClientHangsUp() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.used() == 0);
        List<Socket> slowClients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = new Socket("localhost", RestAssured.port);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /b24/events HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n"
                        + "event=ONIMBOTMESSAGEADD&data[PARAMS][MESSAGE]=half").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slowClients.add(socket);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> memory.used() == 3 * IntakeMemory.cost(4000));
        } finally {
            for (Socket socket : slowClients) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.used() == 0);
    }

    private RequestSpecification message(Portal portal, long bot, String text) {
        return BitrixRequests.v1NewMessage(BitrixRequests.v1BotEvent("ONIMBOTMESSAGEADD", portal,
                TestPortals.applicationToken(portal), bot, TestPortals.userToken(bitrix, portal, bot)), "7",
                Math.abs(text.hashCode()), text, 7, TestPortals.userToken(bitrix, portal, 7));
    }
}
