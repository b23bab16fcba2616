package io.b24bots.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;

import io.b24bots.bot.sending.BotMessenger;
import io.b24bots.bot.sending.MessageState;
import io.b24bots.bot.sending.Receipt;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.ImbotEmulation.EmuCommand;
import io.b24bots.testing.ImbotEmulation.PostedMessage;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The orders bot in an emulated portal: a user writes to it, and its answers arrive in the chat. */
@QuarkusTest
@TestProfile(OrdersBotProfile.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class OrdersBotTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    ShipmentNotices shipments;

    @Inject
    BotMessenger messenger;

    Portal portal;
    long bot;

    @BeforeEach
    void install() {
        portal = TestPortals.installed(bitrix);          // returns once the bots and their commands are registered
        bot = TestPortals.botId(bitrix, portal, "acme_orders");
    }

    @Test
    void aMessageIsAnsweredInTheChat() {
        message(11, "hi", "en").formParam("data[user][name]", "Ann").post("/b24/events").then().statusCode(200);

        PostedMessage answer = awaitAnswer(1);
        assertThat(answer.botId()).isEqualTo(bot);
        assertThat(answer.dialogId()).isEqualTo("7");
        assertThat(answer.text()).isEqualTo("Hello, Ann! Type /orders.");
    }

    @Test
    void theCommandShowsAKeyboardAndAButtonShowsTheOrder() {
        command(21, "", "textarea").post("/b24/events").then().statusCode(200);
        PostedMessage menu = awaitAnswer(1);
        assertThat(menu.text()).isEqualTo("Your last orders:");
        assertThat(menu.buttons()).extracting(button -> button.get("TEXT")).contains("Order 41", "Order 42", "All orders");

        // The user presses "Order 42": Bitrix24 sends the button's command with its parameters.
        command(22, "#show 42", "keyboard").post("/b24/events").then().statusCode(200);
        assertThat(awaitAnswer(2).text()).isEqualTo("Order [b]42[/b]");
    }

    /** The shop reports a shipment: the bot writes first, and answers the customer's question from what it remembered. */
    @Test
    void theBotWritesFirstAndRemembersWhatItWrote() {
        Receipt notice = shipments.shipped(portal.memberId, "7", "42");
        assertThat(awaitAnswer(1).text()).isEqualTo("Order [b]42[/b] has shipped. Ask me \"where is it?\"");
        assertThat(messenger.receipt(notice.id()).orElseThrow().state()).isEqualTo(MessageState.SENT);

        message(12, "where is it?", "en").post("/b24/events").then().statusCode(200);
        PostedMessage answer = awaitAnswer(2);
        assertThat(answer.text()).isEqualTo("Order [b]42[/b] is on its way.");
        assertThat(answer.buttons()).extracting(button -> button.get("LINK")).containsExactly("https://shop.example.com/track/42");

        message(13, "где он?", "ru").post("/b24/events").then().statusCode(200);
        assertThat(awaitAnswer(3).text()).as("in the user's language").isEqualTo("Заказ [b]42[/b] уже в пути.");
    }

    /** Employee 7 writes to the bot in a private chat, as Bitrix24 posts it: with the bot's own token that proves it. */
    private RequestSpecification message(long id, String text, String language) {
        return BitrixRequests.v2NewMessage(botEvent("ONIMBOTV2MESSAGEADD", language), "7", id, text, 7);
    }

    /** Employee 7 runs /orders, typed ({@code textarea}) or from a button ({@code keyboard}). */
    private RequestSpecification command(long messageId, String params, String context) {
        EmuCommand orders = bitrix.imbot().commands(portal).stream()
                .filter(c -> c.botId == bot && c.command.equals("orders")).findFirst().orElseThrow();
        return BitrixRequests.v2Command(botEvent("ONIMBOTV2COMMANDADD", "en"), "7", messageId, orders.id, "/orders", params,
                context, 7);
    }

    private RequestSpecification botEvent(String type, String language) {
        return BitrixRequests.v2BotEvent(type, portal, TestPortals.applicationToken(portal), bot,
                TestPortals.userToken(bitrix, portal, bot), language);
    }

    /** Waits until the portal's chats hold {@code count} messages of the bot, and returns the last. */
    private PostedMessage awaitAnswer(int count) {
        await().until(() -> sent().size() >= count);
        return sent().get(count - 1);
    }

    private List<PostedMessage> sent() {
        return bitrix.imbot().posted(portal).stream().filter(m -> m.botId() == bot).toList();
    }
}
