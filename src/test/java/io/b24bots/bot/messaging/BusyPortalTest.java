package io.b24bots.bot.messaging;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.b24bots.testing.Bitrix24Emulator.Call;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/**
 * A portal that sends its bot more messages per second than Bitrix24 lets the app call it: the
 * replies still all arrive, in order in every dialog, because the queued ones leave together in
 * {@code batch} calls instead of one call each.
 */
@QuarkusTest
@TestProfile(BusyPortalTest.BitrixLimits.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BusyPortalTest {

    static final int PER_SECOND = 2;
    static final int BURST = 5;

    /** Bitrix24's own limit, scaled down: 2 calls per second after a burst of 5. */
    public static class BitrixLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("b24.rest.requests-per-second", String.valueOf(PER_SECOND), "b24.rest.burst", String.valueOf(BURST));
        }
    }

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Test
    void everyMessageOfABusyPortalIsAnsweredInOrderWithinItsRateLimit() {
        Portal portal = TestPortals.installed(bitrix);
        portal.ratePerSecond = PER_SECOND;
        portal.rateBurst = BURST;
        long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        String botToken = TestPortals.userToken(bitrix, portal, echo);
        String authorToken = TestPortals.userToken(bitrix, portal, 42);
        Instant start = Instant.now();

        int perDialog = 15;
        for (int n = 1; n <= perDialog; n++) {
            for (int chat = 1; chat <= 4; chat++) {
                event("ONIMBOTMESSAGEADD", portal, TestPortals.applicationToken(portal))
                        .formParam("data[BOT][" + echo + "][BOT_ID]", String.valueOf(echo))
                        .formParam("data[BOT][" + echo + "][access_token]", botToken)
                        .formParam("auth[access_token]", authorToken)
                        .formParam("data[PARAMS][DIALOG_ID]", "chat" + chat)
                        .formParam("data[PARAMS][MESSAGE]", "chat" + chat + " #" + n)
                        .formParam("data[PARAMS][MESSAGE_ID]", String.valueOf(1000 + chat * 100 + n))
                        .formParam("data[PARAMS][FROM_USER_ID]", "42")
                        .formParam("data[PARAMS][MESSAGE_TYPE]", "C")
                        .formParam("data[PARAMS][MENTIONED_LIST][" + echo + "]", String.valueOf(echo))
                        .formParam("data[USER][ID]", "42")
                        .post("/b24/events").then().statusCode(200);
            }
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> imbot.messages(portal).size() >= 4 * perDialog);
        TestPortals.awaitJobsSettled(portal);
        List<SentMessage> sent = imbot.messages(portal);
        assertThat(sent).hasSize(4 * perDialog);
        for (int chat = 1; chat <= 4; chat++) {
            String dialog = "chat" + chat;
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= perDialog; n++) {
                expected.add("You wrote: " + dialog + " #" + n);
            }
            assertThat(sent.stream().filter(m -> m.dialogId().equals(dialog)).map(SentMessage::text))
                    .as("replies in %s, in order", dialog).containsExactlyElementsOf(expected);
        }

        // The calls that carried them: far fewer than the messages, within the portal's limit.
        List<Call> calls = bitrix.calls(c -> portal.memberId.equals(c.memberId()) && !c.at().isBefore(start)
                && c.server().equals("portal") && (c.method().equals("batch") || c.method().equals("imbot.message.add")));
        long batches = calls.stream().filter(c -> c.method().equals("batch")).count();
        assertThat(batches).as("batch calls").isPositive();
        assertThat(calls.size()).as("calls for %d replies", sent.size()).isLessThan(sent.size() / 3);
        double seconds = Duration.between(calls.getFirst().at(), calls.getLast().at()).toMillis() / 1000.0;
        assertThat(calls.size()).as("calls in %.1f s", seconds).isLessThanOrEqualTo(BURST + (int) Math.ceil(seconds * PER_SECOND) + 1);
        assertThat(calls.stream().filter(c -> c.method().equals("batch"))
                .mapToInt(c -> ((Map<?, ?>) c.params().get("cmd")).size()).max().orElse(0))
                .as("most commands in one batch").isGreaterThan(4);
    }
}
