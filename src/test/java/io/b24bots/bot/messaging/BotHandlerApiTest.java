package io.b24bots.bot.messaging;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.registration.BotRegistrationTest;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.ImbotEmulation.EmuCommand;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The handler API as a bot developer uses it: commands with keyboards, rich answers, edits, the
 * context of a message, group-chat addressing, the hooks, and what happens when a handler fails.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BotHandlerApiTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

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
    void declaredCommandsAreRegisteredWithTheBotsAtInstall() {
        long lines = TestPortals.botId(bitrix, portal, "b24bots_lines");
        assertThat(imbot.commands(portal)).extracting(c -> c.botId + "/" + c.command + "/" + c.api)
                .containsExactlyInAnyOrder(support + "/menu/v2", echo + "/menu/v1", lines + "/secret/v1");
        // A hidden command without a title still gets the one LANG entry Bitrix24 requires (LANG_ERROR otherwise).
        assertThat(imbot.commands(portal).stream().filter(c -> c.botId == lines).findFirst().orElseThrow().params.get("LANG"))
                .isEqualTo(List.of(Map.of("LANGUAGE_ID", "en", "TITLE", "secret")));
        EmuCommand v2 = command(support);
        assertThat(v2.params).containsEntry("title", Map.of("en", "Show the menu")).containsEntry("params", Map.of("en", "topic"));
        EmuCommand v1 = command(echo);
        assertThat(v1.params.get("EVENT_COMMAND_ADD")).isEqualTo("http://b24bots.test/b24/events");
        assertThat(v1.params.get("LANG")).isEqualTo(List.of(Map.of("LANGUAGE_ID", "en", "TITLE", "Show the menu")));
        assertThat(RecordingHandler.hooks(portal.memberId)).containsOnlyOnce("installed " + support);
    }

    @Test
    void aV2CommandWithAKeyboardRoundTrips() {
        EmuCommand menu = command(support);
        v2Command(menu.id, 901, "/menu", "", "textarea").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);

        Map<String, Object> answer = lastSent();
        assertThat(answer).containsEntry("commandId", (int) menu.id).containsEntry("messageId", 901).containsEntry("dialogId", "7");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) answer.get("fields");
        assertThat(fields.get("message")).isEqualTo("[b]Menu[/b] of Support Desk");
        assertThat(fields.get("keyboard")).isEqualTo(List.of(
                Map.of("TEXT", "More", "COMMAND", "menu", "COMMAND_PARAMS", "more", "BLOCK", "Y"),
                Map.of("TYPE", "NEWLINE"),
                Map.of("TEXT", "Site", "LINK", "https://b24bots.test")));
        assertThat(fields.get("attach")).isEqualTo(Map.of("COLOR", "#29619b", "BLOCKS", List.of(
                Map.of("MESSAGE", "Pick one"), Map.of("LINK", Map.of("NAME", "Docs", "LINK", "https://b24bots.test/docs")))));

        // The user presses "More": Bitrix24 sends the button's command with its parameters.
        v2Command(menu.id, 902, "/menu", "more", "keyboard").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 2);
        assertThat(imbot.messages(portal).get(1)).isEqualTo(new SentMessage(support, "7", "More for Support Desk", "v2"));
        assertThat(RecordingHandler.hooks(portal.memberId)).containsSubsequence("command menu  textarea", "command menu more keyboard");
    }

    @Test
    void aV1CommandIsAnsweredWithImbotCommandAnswer() {
        EmuCommand menu = command(echo);
        event("ONIMCOMMANDADD", portal, TestPortals.applicationToken(portal))
                .formParam("data[COMMAND][" + menu.id + "][BOT_ID]", String.valueOf(echo))
                .formParam("data[COMMAND][" + menu.id + "][BOT_CODE]", "b24bots_echo")
                .formParam("data[COMMAND][" + menu.id + "][COMMAND]", "menu")
                .formParam("data[COMMAND][" + menu.id + "][COMMAND_ID]", String.valueOf(menu.id))
                .formParam("data[COMMAND][" + menu.id + "][COMMAND_PARAMS]", "")
                .formParam("data[COMMAND][" + menu.id + "][COMMAND_CONTEXT]", "TEXTAREA")
                .formParam("data[COMMAND][" + menu.id + "][MESSAGE_ID]", "777")
                .formParam("data[COMMAND][" + menu.id + "][access_token]", TestPortals.userToken(bitrix, portal, echo))
                .formParam("data[PARAMS][DIALOG_ID]", "42").formParam("data[PARAMS][FROM_USER_ID]", "42")
                .formParam("data[PARAMS][MESSAGE]", "/menu").formParam("data[PARAMS][MESSAGE_TYPE]", "P")
                .post("/b24/events").then().statusCode(200);

        await().until(() -> imbot.messages(portal).size() == 1);
        Map<String, Object> answer = lastSent();
        assertThat(answer).containsEntry("COMMAND_ID", (int) menu.id).containsEntry("MESSAGE_ID", 777)
                .containsEntry("MESSAGE", "[b]Menu[/b] of Echo").containsKeys("KEYBOARD", "ATTACH");
    }

    /**
     * Support is a v2 supervisor: Bitrix24 sends it every message of its chats, so it answers only when
     * addressed. Echo is a v1 B bot: Bitrix24 sends it a group message only when it is addressed, so it
     * answers each one it gets, mark or no mark (the v2 events page's group example "Hello bot!" has none).
     */
    @Test
    void inAGroupChatOnlyABotThatSeesEveryMessageWaitsToBeAddressed() {
        v2Message("chat5", 11, "just chatting").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).isEmpty();

        v1Message("chat6", 12, "Hello bot!", false).post("/b24/events").then().statusCode(200);
        v2Message("chat5", 13, "[USER=" + support + " REPLACE]Support[/USER] hello").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 2);
        assertThat(imbot.messages(portal)).containsExactlyInAnyOrder(
                new SentMessage(support, "chat5", "You wrote: hello", "v2"),
                new SentMessage(echo, "chat6", "You wrote: Hello bot!", "v1"));
    }

    @Test
    void theHandlerSeesTheWholeContext() {
        v2Message("chat5", 21, "[user=" + support + "]Support[/user] context please")
                .formParam("data[user][name]", "Guest Ann").formParam("data[user][extranet]", "1")
                .formParam("data[user][connector]", "0").formParam("data[message][params][FILES][3][name]", "a.txt")
                .post("/b24/events").then().statusCode(200);
        await().until(() -> RecordingHandler.MESSAGES.containsKey(portal.memberId + ":context please"));

        var message = RecordingHandler.MESSAGES.get(portal.memberId + ":context please");
        assertThat(message.messageId()).isEqualTo(21);
        assertThat(message.chatId()).isEqualTo(5);
        assertThat(message.chatType()).isEqualTo(IncomingMessage.ChatType.GROUP);
        assertThat(message.mentioned()).isTrue();
        assertThat(message.authorName()).isEqualTo("Guest Ann");
        assertThat(message.authorExtranet()).isTrue();
        assertThat(message.authorConnector()).isFalse();
        assertThat(message.files()).singleElement().satisfies(f -> assertThat(f.path("name").asText()).isEqualTo("a.txt"));
        assertThat(message.raw().path("message").path("id").asText()).isEqualTo("21");
        assertThat(message.raw().path("bot").path("auth").has("access_token")).as("no token in raw data").isFalse();
    }

    @Test
    void aHandlerEditsAndDeletesItsOwnMessagesAndSendsSeveral() {
        v2Message("7", 31, "edit me").post("/b24/events").then().statusCode(200);
        v2Message("7", 32, "delete me").post("/b24/events").then().statusCode(200);
        v2Message("7", 33, "two messages").post("/b24/events").then().statusCode(200);
        v2Message("7", 34, "call").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        List<Map<String, Object>> sent = imbot.sentParams(portal);
        assertThat(texts(sent)).containsExactlyInAnyOrder("first version", "soon gone", "one", "[b]two[/b]", "Bound events: 2");
        long edited = bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.update").stream()
                .mapToLong(c -> ((Number) c.params().get("messageId")).longValue()).findFirst().orElseThrow();
        assertThat(imbot.message(portal, edited).text).isEqualTo("second version");
        long deleted = bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.delete").stream()
                .mapToLong(c -> ((Number) c.params().get("messageId")).longValue()).findFirst().orElseThrow();
        assertThat(imbot.message(portal, deleted).deleted).isTrue();
        assertThat(sent).anySatisfy(p -> assertThat(p.get("fields")).isEqualTo(Map.of("message", "one", "replyId", 33)));
    }

    /** A v2 bot sends a file, and reads the files a user sent; a v1 bot, whose API has none, is told so. */
    @Test
    void aBotSendsAFileAndGetsALinkToTheFilesItWasSent() {
        v2Message("7", 95, "file please").post("/b24/events").then().statusCode(200);
        ImbotEmulation.EmuFile userFile = imbot.userFile(portal, "invoice.pdf", new byte[] {1, 2, 3});
        v2Message("7", 96, "what did I send").formParam("data[files][0][id]", String.valueOf(userFile.id()))
                .formParam("data[files][0][name]", "invoice.pdf").formParam("data[files][0][size]", "3")
                .post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(imbot.files(portal)).filteredOn(f -> f.botId() == support).singleElement().satisfies(file -> {
            assertThat(file.name()).isEqualTo("report.txt");
            assertThat(new String(file.content(), StandardCharsets.UTF_8)).isEqualTo("42 orders");
            assertThat(file.dialogId()).isEqualTo("7");
        });
        assertThat(imbot.messages(portal)).extracting(SentMessage::text)
                .containsExactly("Here is the report", "invoice.pdf (3 bytes, pdf) at " + portal.domain);

        long lines = TestPortals.botId(bitrix, portal, "b24bots_lines");
        v1Message(lines, "42", 97, "file please", false).post("/b24/events").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> String.valueOf(BotRegistrationTest.bot(portal, "b24bots_lines")
                .get("last_error_text")).contains("UnsupportedOperationException"));
    }

    /** The default welcome is sent in the chat's language when the bot declares one for it, else the plain one. */
    @Test
    void theWelcomeIsInTheChatsLanguage() {
        for (String language : List.of("ru", "de")) {
            BitrixRequests.v2BotEvent("ONIMBOTV2JOINCHAT", portal, TestPortals.applicationToken(portal), support,
                            TestPortals.userToken(bitrix, portal, support), language)
                    .formParam("data[dialogId]", "chat3" + language.length()).formParam("data[user][id]", "7")
                    .post("/b24/events").then().statusCode(200);
            TestPortals.awaitJobsSettled(portal);
        }
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("Поддержка на связи.", "Support here.");
    }

    /** An open line's bot hands the client to an operator, or ends the session, in order with what it wrote. */
    @Test
    void anOpenLinesBotHandsTheClientToAnOperatorOrEndsTheSession() {
        long lines = TestPortals.botId(bitrix, portal, "b24bots_lines");
        imbot.openLine(portal, 77);
        imbot.openLine(portal, 78);
        imbot.groupChat(portal, "chat77", lines);
        imbot.groupChat(portal, "chat78", lines);

        v1Message(lines, "chat77", 101, "operator please", false).post("/b24/events").then().statusCode(200);
        v1Message(lines, "chat78", 102, "bye", false).post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(imbot.openLineSession(portal, 77)).isEqualTo("operator");
        assertThat(imbot.openLineSession(portal, 78)).isEqualTo("finished");
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("Connecting you to an operator");
        List<String> order = bitrix.calls(c -> portal.memberId.equals(c.memberId())
                        && (c.method().equals("imbot.message.add") || c.method().startsWith("imopenlines."))).stream()
                .map(Bitrix24Emulator.Call::method).toList();
        assertThat(order).as("the goodbye leaves before the hand-over").startsWith("imbot.message.add", "imopenlines.bot.session.operator");
    }

    /** A handler reads its bot's settings in this portal: the declared default until an admin changes one. */
    @Test
    void aHandlerReadsTheSettingsOfItsPortal() {
        v2Message("7", 91, "greeting").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        Database.update("insert into bot_setting (member_id, bot_code, key, value, updated_by, updated_at) "
                + "values (?, 'b24bots_support', 'greeting', 'Welcome to ACME', 1, now())", portal.memberId);
        v2Message("7", 92, "greeting").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("Hello from support (3)", "Welcome to ACME (3)");
    }

    /** The bot remembers each dialog between messages: a count kept per dialog. */
    @Test
    void aHandlerRemembersEachDialogBetweenMessages() {
        v2Message("7", 81, "count").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        v2Message("7", 82, "count").post("/b24/events").then().statusCode(200);
        v2Message("chat5", 83, "[USER=" + support + "]Support[/USER] count").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(imbot.messages(portal)).extracting(m -> m.dialogId() + ": " + m.text())
                .containsExactly("7: Count 1", "7: Count 2", "chat5: Count 1");
    }

    /** A user opens the bot's chat through a link with a BOT_CONTEXT: the v2 event reaches onContext. */
    @Test
    void aChatOpenedWithAContextReachesTheHandler() {
        v2Event("ONIMBOTV2CONTEXTGET").formParam("data[dialogId]", "7").formParam("data[context][pairCode]", "13bd8129")
                .formParam("data[user][id]", "7").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
        assertThat(imbot.messages(portal).getFirst().text()).isEqualTo("Paired with 13bd8129");
        assertThat(RecordingHandler.hooks(portal.memberId)).contains("context 13bd8129");
    }

    /** An edit that no longer has the keyboard and attachment removes them ("N"), as the update page says. */
    @Test
    void anEditWithoutTheButtonsRemovesThem() {
        v2Message("7", 35, "drop the buttons").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        long edited = bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.update").stream()
                .mapToLong(c -> ((Number) c.params().get("messageId")).longValue()).findFirst().orElseThrow();
        ImbotEmulation.EmuMessage message = imbot.message(portal, edited);
        assertThat(message.text).isEqualTo("without buttons");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) message.params.get("fields");
        assertThat(fields).doesNotContainKeys("keyboard", "attach");
    }

    /** The same hooks on a v1 bot go out through the v1 methods, as their pages have them. */
    @Test
    void aV1HandlerEditsDeletesAndShowsTypingThroughTheV1Methods() {
        long lines = TestPortals.botId(bitrix, portal, "b24bots_lines");
        for (String text : List.of("edit me", "delete me", "drop the buttons", "slow")) {
            v1Message(lines, "42", 70 + text.length(), text, false).post("/b24/events").then().statusCode(200);
        }
        TestPortals.awaitJobsSettled(portal);

        List<Bitrix24Emulator.Call> updates = bitrix.calls(portal.memberId, "imbot.message.update");
        assertThat(updates).hasSize(2).allSatisfy(c -> assertThat(c.params()).containsEntry("BOT_ID", (int) lines)
                .containsEntry("KEYBOARD", "N").containsEntry("ATTACH", "N"));
        for (Bitrix24Emulator.Call update : updates) {
            ImbotEmulation.EmuMessage message = imbot.message(portal, ((Number) update.params().get("MESSAGE_ID")).longValue());
            assertThat(message.text).isIn("second version", "without buttons");
            assertThat(message.params).doesNotContainKeys("KEYBOARD", "ATTACH");
            assertThat(message.deleted).isFalse();
        }
        Bitrix24Emulator.Call delete = bitrix.calls(portal.memberId, "imbot.message.delete").getFirst();
        assertThat(delete.params()).containsEntry("COMPLETE", "Y");
        assertThat(imbot.message(portal, ((Number) delete.params().get("MESSAGE_ID")).longValue()).deleted).isTrue();
        assertThat(bitrix.calls(portal.memberId, "imbot.chat.sendTyping")).singleElement()
                .satisfies(c -> assertThat(c.params()).containsEntry("DIALOG_ID", "42").containsEntry("BOT_ID", (int) lines));
        assertThat(imbot.messages(portal)).contains(new SentMessage(lines, "42", "Done thinking", "v1"));
    }

    @Test
    void anHttp429IsRetriedWithBackOffWhateverItsCode() {
        // The imbot.v2 limits page: over 2 requests per second "HTTP 429, use exponential backoff".
        bitrix.failNext(portal, "imbot.v2.Chat.Message.send", 2, Bitrix24Emulator.Fault.error(429, "TOO_MANY_REQUESTS"));
        v2Message("7", 45, "after the limit").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
        assertThat(imbot.messages(portal).getFirst().text()).isEqualTo("You wrote: after the limit");
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.send")).hasSize(3);
        assertThat(RecordingHandler.runs(portal.memberId + ":45")).as("retried inside the call, not by re-running the handler")
                .isEqualTo(1);
    }

    @Test
    void aSlowHandlerShowsTyping() {
        v2Message("7", 41, "slow").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Chat.InputAction.notify")).singleElement()
                .satisfies(c -> assertThat(c.params()).containsEntry("dialogId", "7").containsEntry("botId", (int) support));
    }

    @Test
    void aFailingHandlerIsRetriedThenItsFailureIsShownOnTheBot() {
        v2Message("7", 51, "fail twice").post("/b24/events").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> imbot.messages(portal).size() == 1);
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("Third time lucky");
        assertThat(RecordingHandler.runs(portal.memberId + ":51")).isEqualTo(3);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_support").get("last_error_code")).isNull();

        v2Message("7", 52, "always fail").post("/b24/events").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> "HANDLER_FAILED".equals(
                BotRegistrationTest.bot(portal, "b24bots_support").get("last_error_code")));
        TestPortals.awaitJobsSettled(portal);
        assertThat(RecordingHandler.runs(portal.memberId + ":52")).as("b24.handlers.max-attempts").isEqualTo(3);
        Map<String, Object> row = BotRegistrationTest.bot(portal, "b24bots_support");
        assertThat((String) row.get("last_error_text")).isEqualTo("message (recording): IllegalStateException");
        assertThat(row.get("status")).as("the bot keeps working").isEqualTo("registered");
    }

    @Test
    void eachHookFiresOncePerEvent() {
        long lines = TestPortals.botId(bitrix, portal, "b24bots_lines");
        v2Event("ONIMBOTV2MESSAGEUPDATE").formParam("data[message][id]", "61").formParam("data[message][text]", "fixed")
                .formParam("data[message][authorId]", "7").formParam("data[chat][dialogId]", "7")
                .formParam("data[user][id]", "7").post("/b24/events").then().statusCode(200);
        v2Event("ONIMBOTV2MESSAGEDELETE").formParam("data[messageId]", "62").formParam("data[chat][dialogId]", "7")
                .formParam("data[user][id]", "7").post("/b24/events").then().statusCode(200);
        v2Event("ONIMBOTV2REACTIONCHANGE").formParam("data[reaction]", "like").formParam("data[action]", "add")
                .formParam("data[message][id]", "63").formParam("data[chat][dialogId]", "7")
                .formParam("data[user][id]", "7").post("/b24/events").then().statusCode(200);
        v2Event("ONIMBOTV2JOINCHAT").formParam("data[dialogId]", "chat9").formParam("data[chat][dialogId]", "chat9")
                .formParam("data[user][id]", "7").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        imbot.liveBots(portal, "b24bots_support").getFirst().deleted = true;
        v2Event("ONIMBOTV2DELETE").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        TestPortals.uninstall(bitrix, portal, false);

        assertThat(RecordingHandler.hooks(portal.memberId)).filteredOn(hook -> !hook.equals("installed " + lines))
                .containsExactly("installed " + support, "update 61 fixed",
                "delete 62", "reaction like true", "join chat9", "bot-deleted " + support, "uninstalled");
        assertThat(imbot.messages(portal)).containsExactly(new SentMessage(support, "chat9", "Support here.", "v2"));
    }

    @Test
    void aV2EventNamingItsPortalOnlyByDomainIsAccepted() {
        // The top-level auth of the v2 events page: domain and application token, no member_id anywhere.
        RestAssured.given().contentType("application/x-www-form-urlencoded")
                .formParam("event", "ONIMBOTV2MESSAGEADD")
                .formParam("auth[domain]", portal.domain)
                .formParam("auth[application_token]", TestPortals.applicationToken(portal))
                .formParam("data[bot][id]", String.valueOf(support))
                .formParam("data[bot][code]", "b24bots_support")
                .formParam("data[bot][auth][access_token]", TestPortals.userToken(bitrix, portal, support))
                .formParam("data[message][id]", "71").formParam("data[message][text]", "by domain")
                .formParam("data[message][authorId]", "7").formParam("data[chat][dialogId]", "7")
                .formParam("data[user][id]", "7")
                .post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
        assertThat(imbot.messages(portal).getFirst().text()).isEqualTo("You wrote: by domain");

        // Another portal's application token does not pass for this domain.
        Portal other = TestPortals.installed(bitrix);
        RestAssured.given().contentType("application/x-www-form-urlencoded")
                .formParam("event", "ONIMBOTV2MESSAGEADD").formParam("auth[domain]", portal.domain)
                .formParam("auth[application_token]", TestPortals.applicationToken(other))
                .formParam("data[bot][id]", String.valueOf(support))
                .post("/b24/events").then().statusCode(401);
    }

    private EmuCommand command(long botId) {
        return imbot.commands(portal).stream().filter(c -> c.botId == botId).findFirst().orElseThrow();
    }

    private Map<String, Object> lastSent() {
        return imbot.sentParams(portal).getLast();
    }

    @SuppressWarnings("unchecked")
    private static List<String> texts(List<Map<String, Object>> sent) {
        return sent.stream().map(p -> p.containsKey("fields") ? (String) ((Map<String, Object>) p.get("fields")).get("message")
                : (String) p.get("MESSAGE")).toList();
    }

    private RequestSpecification v2Event(String type) {
        return BitrixRequests.v2BotEvent(type, portal, TestPortals.applicationToken(portal), support,
                TestPortals.userToken(bitrix, portal, support));
    }

    private RequestSpecification v2Command(long commandId, long messageId, String command, String params, String context) {
        return v2Event("ONIMBOTV2COMMANDADD")
                .formParam("data[command][id]", String.valueOf(commandId))
                .formParam("data[command][command]", command)
                .formParam("data[command][params]", params)
                .formParam("data[command][context]", context)
                .formParam("data[message][id]", String.valueOf(messageId))
                .formParam("data[message][authorId]", "7")
                .formParam("data[chat][dialogId]", "7")
                .formParam("data[user][id]", "7");
    }

    private RequestSpecification v2Message(String dialogId, long messageId, String text) {
        return BitrixRequests.v2NewMessage(v2Event("ONIMBOTV2MESSAGEADD"), dialogId, messageId, text, 7)
                .formParam("data[message][chatId]", "5")
                .formParam("data[chat][id]", "5");
    }

    private RequestSpecification v1Message(String dialogId, long messageId, String text, boolean mention) {
        return v1Message(echo, dialogId, messageId, text, mention);
    }

    private RequestSpecification v1Message(long bot, String dialogId, long messageId, String text, boolean mention) {
        RequestSpecification spec = BitrixRequests.v1NewMessage(BitrixRequests.v1BotEvent("ONIMBOTMESSAGEADD", portal,
                TestPortals.applicationToken(portal), bot, TestPortals.userToken(bitrix, portal, bot)), dialogId, messageId, text, 42,
                TestPortals.userToken(bitrix, portal, 42));
        if (mention) {
            spec.formParam("data[PARAMS][MENTIONED_LIST][" + bot + "]", String.valueOf(bot));
        }
        return spec;
    }
}
