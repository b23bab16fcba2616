package io.b24bots.bot.messaging;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.b24bots.bot.registration.BotRegistrationTest;
import io.b24bots.jobs.JobWorker;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bot events over the webhook: verified, deduplicated, answered at once, acted on from the queue. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BotEventsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Inject
    JobWorker worker;

    Portal portal;
    long echo;
    long support;

    @BeforeEach
    void install() {
        portal = TestPortals.installed(bitrix);
        echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        support = TestPortals.botId(bitrix, portal, "b24bots_support");
    }

    @Test
    void v1MessageGetsTheHandlersReplyAfterBitrix24GotItsAnswer() {
        bitrix.failNext(portal, "imbot.message.add", 1, Fault.slow(1_000));

        v1Message("42", "Hello there", 42).post("/b24/events").then().statusCode(200)
                .contentType(ContentType.JSON).body("result", equalTo("ok"));
        assertThat(imbot.messages(portal)).as("the reply is not sent before the answer").isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> !imbot.messages(portal).isEmpty());
        assertThat(imbot.messages(portal)).containsExactly(new SentMessage(echo, "42", "You wrote: Hello there", "v1"));
    }

    @Test
    void v1HelpAndJoinAndDelete() {
        v1Message("chat7", "help", 42).formParam("data[PARAMS][MENTIONED_LIST][" + echo + "]", String.valueOf(echo))
                .post("/b24/events").then().statusCode(200);
        v1Event("ONIMBOTJOINCHAT", botToken(echo)).formParam("data[PARAMS][DIALOG_ID]", "chat8")
                .formParam("data[PARAMS][CHAT_TYPE]", "C").post("/b24/events").then().statusCode(200);

        await().until(() -> imbot.messages(portal).size() == 2);
        assertThat(imbot.messages(portal)).containsExactlyInAnyOrder(
                new SentMessage(echo, "chat7", "I am Echo. Write anything and I will repeat it.", "v1"),
                new SentMessage(echo, "chat8", "Hello! I repeat what you write.", "v1"));

        imbot.liveBots(portal, "b24bots_echo").getFirst().deleted = true;
        event("ONIMBOTDELETE", portal, TestPortals.applicationToken(portal))
                .formParam("data[BOT_ID]", String.valueOf(echo)).formParam("data[BOT_CODE]", "b24bots_echo")
                .post("/b24/events").then().statusCode(200);
        await().until(() -> "deleted".equals(BotRegistrationTest.bot(portal, "b24bots_echo").get("status")));
    }

    @Test
    void botsNeverAnswerBotsOrThemselves() {
        v1Message("42", "from a bot", 42).formParam("data[USER][IS_BOT]", "Y").post("/b24/events").then().statusCode(200);
        v1Message(String.valueOf(echo), "from myself", echo).post("/b24/events").then().statusCode(200);
        v2Message("7", "from a v2 bot").formParam("data[user][bot]", "1").post("/b24/events").then().statusCode(200);
        v2Message("7", "from the other bot").formParam("data[message][authorId]", String.valueOf(echo))
                .formParam("data[user][id]", String.valueOf(echo)).post("/b24/events").then().statusCode(200);
        v1Message("42", "from a person", 42).post("/b24/events").then().statusCode(200);

        await().until(() -> imbot.messages(portal).size() == 1);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("You wrote: from a person");
    }

    @Test
    void aRepeatedDeliveryIsHandledOnce() {
        v1Message("42", "once", 42).post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        // Bitrix24 may deliver again, with fresh tokens and another timestamp: still the same event.
        v1Message("42", "once", 42).post("/b24/events").then().statusCode(200).body("result", equalTo("duplicate"));

        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).as("one reply: the repeat queued nothing").hasSize(1);
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                .as("handled, and a handled event's job is deleted").isZero();
    }

    @Test
    void forgedBotEventsAreRefusedAndNothingIsQueued() {
        v1Event("ONIMBOTMESSAGEADD", "wrong-token", botToken(echo)).formParam("data[PARAMS][MESSAGE]", "x")
                .post("/b24/events").then().statusCode(401);
        v2Event("ONIMBOTV2MESSAGEADD", null, botToken(support)).post("/b24/events").then().statusCode(401);
        Portal stranger = bitrix.createPortal();
        event("ONIMBOTV2DELETE", stranger, TestPortals.applicationToken(portal)).formParam("data[bot][id]", String.valueOf(support))
                .post("/b24/events").then().statusCode(401);

        assertThat(Database.count("select count(*) from job where member_id in (?, ?) and kind = 'bot-event'",
                portal.memberId, stranger.memberId)).isZero();
        assertThat(BotRegistrationTest.bot(portal, "b24bots_support").get("status")).isEqualTo("registered");
    }

    @Test
    void v2WebhookMessageJoinAndDelete() {
        v2Message("7", "Hi v2").post("/b24/events").then().statusCode(200);
        v2Event("ONIMBOTV2JOINCHAT").formParam("data[dialogId]", "chat9")
                .formParam("data[chat][dialogId]", "chat9").formParam("data[user][id]", "7")
                .post("/b24/events").then().statusCode(200);
        // A supervisor bot sees every message of its group chats, but answers only when addressed.
        v2Message("chat5", "in a group").formParam("data[chat][dialogId]", "chat5").post("/b24/events").then().statusCode(200);
        v2Message("chat5", "[USER=" + support + "]Support[/USER] in a group, to you")
                .formParam("data[chat][dialogId]", "chat5").post("/b24/events").then().statusCode(200);

        await().until(() -> imbot.messages(portal).size() == 3);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).containsExactlyInAnyOrder(
                new SentMessage(support, "7", "You wrote: Hi v2", "v2"),
                new SentMessage(support, "chat9", "Support here.", "v2"),
                new SentMessage(support, "chat5", "You wrote: in a group, to you", "v2"));
        var send = bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.send").getFirst();
        assertThat(send.params()).containsKeys("botId", "dialogId", "fields", "auth");

        imbot.liveBots(portal, "b24bots_support").getFirst().deleted = true;
        v2Event("ONIMBOTV2DELETE").post("/b24/events").then().statusCode(200);
        await().until(() -> "deleted".equals(BotRegistrationTest.bot(portal, "b24bots_support").get("status")));
    }

    @Test
    void otherBotEventsAreAcceptedAndRecorded() {
        double acceptedBefore = Metrics.sum("b24_events_total", "kind=\"bot\"");
        for (String type : List.of("ONIMBOTV2MESSAGEUPDATE", "ONIMBOTV2MESSAGEDELETE", "ONIMBOTV2REACTIONCHANGE",
                "ONIMBOTV2COMMANDADD", "ONIMBOTV2CONTEXTGET")) {
            v2Event(type).formParam("data[messageId]", "5").post("/b24/events").then().statusCode(200);
        }
        for (String type : List.of("ONIMBOTMESSAGEUPDATE", "ONIMBOTMESSAGEDELETE")) {
            v1Event(type, botToken(echo)).formParam("data[PARAMS][MESSAGE_ID]", "5").post("/b24/events").then().statusCode(200);
        }
        TestPortals.awaitJobsSettled(portal);
        assertThat(Metrics.sum("b24_events_total", "kind=\"bot\"") - acceptedBefore).as("queued as new bot events").isEqualTo(7);
        // Handled: none waits or failed (a handled event's job is deleted, HandleBotEventJob keeps none).
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId)).isZero();
        assertThat(imbot.messages(portal)).isEmpty();
    }

    @Test
    void unknownEventsAreIgnoredWithoutQueueingWork() {
        event("ONSOMETHINGNEW", portal, TestPortals.applicationToken(portal)).formParam("data[x]", "1")
                .post("/b24/events").then().statusCode(200).body("result", equalTo("ignored"));
        event("ONIMBOTV9FUTURE", portal, "not-even-checked").post("/b24/events").then().statusCode(200)
                .body("result", equalTo("ignored"));

        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                .isZero();
    }

    /**
     * A webhook event for a fetch-mode bot (which reads its own events) or in another API's format than
     * the bot's is a second copy at best: ignored before any proof or storage.
     */
    @Test
    void webhookCopiesABotDoesNotTakeThatWayAreIgnored() {
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");
        event("ONIMBOTV2MESSAGEADD", portal, TestPortals.applicationToken(portal))
                .formParam("data[bot][id]", String.valueOf(helper))
                .formParam("data[bot][auth][access_token]", botToken(helper))
                .formParam("data[message][id]", "901").formParam("data[message][text]", "hello")
                .formParam("data[chat][dialogId]", "7").formParam("data[user][id]", "7")
                .post("/b24/events").then().statusCode(200).body("result", equalTo("ignored"));
        event("ONIMBOTMESSAGEADD", portal, TestPortals.applicationToken(portal))
                .formParam("data[BOT][" + support + "][BOT_ID]", String.valueOf(support))
                .formParam("data[BOT][" + support + "][access_token]", botToken(support))
                .formParam("data[PARAMS][MESSAGE]", "v1 format for a v2 bot").formParam("data[PARAMS][DIALOG_ID]", "7")
                .post("/b24/events").then().statusCode(200).body("result", equalTo("ignored"));
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).isEmpty();
        assertThat(bitrix.calls(c -> c.method().equals("app.info") && botToken(helper).equals(c.param("auth")))).isEmpty();
    }

    /**
     * One message delivered twice with other details (a redelivery, or both ways while a bot is switched
     * from webhook to fetch mode) is answered once: a new message is known by its bot and message id.
     */
    @Test
    void oneMessageByWebhookAndThenByFetchIsAnsweredOnce() {
        v2Message("7", "only once").post("/b24/events").then().statusCode(200).body("result", equalTo("ok"));
        v2Message("7", "only once").formParam("data[language]", "ru").post("/b24/events").then().statusCode(200)
                .body("result", equalTo("duplicate"));
        await().until(() -> imbot.messages(portal).size() == 1);

        // Bitrix24 switches the bot to fetch mode; its queue holds the same message.
        Database.update("update bot set event_mode = 'fetch' where member_id = ? and code = 'b24bots_support'", portal.memberId);
        imbot.liveBots(portal, "b24bots_support").getFirst().params.put("eventMode", "fetch");
        try {
            long pushed = imbot.pushEvent(portal, support, "ONIMBOTV2MESSAGEADD", Map.of(
                    "bot", Map.of("id", support, "code", "b24bots_support"),
                    "message", Map.of("id", Math.abs("only once".hashCode()), "chatId", 5, "authorId", 7, "text", "only once"),
                    "chat", Map.of("id", 5, "dialogId", "7", "type", "private"),
                    "user", Map.of("id", 7, "bot", false, "type", "employee"), "language", "en"));
            await().until(() -> bitrix.calls(portal.memberId, "imbot.v2.Event.get").stream()
                    .anyMatch(c -> c.params().get("offset") instanceof Number n && n.longValue() > pushed));
            TestPortals.awaitJobsSettled(portal);
            assertThat(imbot.messages(portal)).as("the fetched copy is not answered again").hasSize(1);
        } finally {
            Database.update("update bot set event_mode = 'webhook' where member_id = ? and code = 'b24bots_support'",
                    portal.memberId);
        }
    }

    @Test
    void tokensInsideEventDataAreNotStored() {
        String token = botToken(support);
        // Read before a worker handles it: a handled event's job is deleted.
        worker.pause();
        try {
            v2Event("ONIMBOTV2MESSAGEADD", TestPortals.applicationToken(portal), token)
                    .formParam("data[bot][auth][refresh_token]", "bot-refresh-secret")
                    .formParam("data[message][text]", "secret check").formParam("data[message][authorId]", "7")
                    .formParam("data[chat][dialogId]", "7").post("/b24/events").then().statusCode(200);
            assertThat(Database.rows("select payload from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                    .singleElement().satisfies(row -> assertThat((String) row.get("payload"))
                            .contains("secret check").doesNotContain(token).doesNotContain("bot-refresh-secret"));
        } finally {
            worker.resume();
        }
        TestPortals.awaitJobsSettled(portal);
    }

    private String botToken(long botId) {
        return TestPortals.userToken(bitrix, portal, botId);
    }

    /** A v1 bot event for the echo bot, as Bitrix24 sends it: the bot's own token inside {@code data[BOT]}. */
    private RequestSpecification v1Event(String type, String botToken) {
        return v1Event(type, TestPortals.applicationToken(portal), botToken);
    }

    private RequestSpecification v1Event(String type, String applicationToken, String botToken) {
        return BitrixRequests.v1BotEvent(type, portal, applicationToken, echo, botToken);
    }

    /** A v1 message written by {@code author}, with the author's token in {@code auth} as Bitrix24 sends it. */
    private RequestSpecification v1Message(String dialogId, String text, long author) {
        return BitrixRequests.v1NewMessage(v1Event("ONIMBOTMESSAGEADD", botToken(echo)), dialogId, Math.abs(text.hashCode()), text,
                author, TestPortals.userToken(bitrix, portal, author)).formParam("data[USER][NAME]", "Ann");
    }

    private RequestSpecification v2Event(String type) {
        return v2Event(type, TestPortals.applicationToken(portal), botToken(support));
    }

    /** A v2 webhook event for the support bot: its own token in {@code data[bot][auth]}. */
    private RequestSpecification v2Event(String type, String applicationToken, String botToken) {
        return BitrixRequests.v2BotEvent(type, portal, applicationToken, support, botToken);
    }

    private RequestSpecification v2Message(String dialogId, String text) {
        return BitrixRequests.v2NewMessage(v2Event("ONIMBOTV2MESSAGEADD"), dialogId, Math.abs(text.hashCode()), text, 7);
    }
}
