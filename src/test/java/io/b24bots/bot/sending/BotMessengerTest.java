package io.b24bots.bot.sending;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.b24bots.bot.imbot.Keyboard;
import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** A bot writes first, from application code: queued durably, sent in order, its receipt telling the outcome. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BotMessengerTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BotMessenger messenger;

    @Test
    void aV1AndAV2BotWriteFirstAndTheReceiptsHoldTheirMessageIds() {
        Portal portal = TestPortals.installed(bitrix);
        long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        long support = TestPortals.botId(bitrix, portal, "b24bots_support");

        Receipt first = messenger.portal(portal.memberId).bot("b24bots_echo")
                .sendAndWait("42", OutgoingMessage.text("Deal 7 moved to Won"), WAIT);
        Receipt second = messenger.portal(portal.memberId).bot("b24bots_support").sendAndWait("42",
                OutgoingMessage.text("Build 311 failed").keyboard(Keyboard.create().action("Copy the id", Keyboard.Action.COPY, "311")),
                WAIT);

        assertThat(first.state()).isEqualTo(MessageState.SENT);
        assertThat(first.messageId()).isPositive();
        assertThat(second.state()).isEqualTo(MessageState.SENT);
        assertThat(bitrix.imbot().messages(portal)).containsExactly(new SentMessage(echo, "42", "Deal 7 moved to Won", "v1"),
                new SentMessage(support, "42", "Build 311 failed", "v2"));
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.send")).singleElement()
                .satisfies(call -> assertThat(call.rawBody()).contains("\"ACTION\":\"COPY\"", "\"ACTION_VALUE\":\"311\""));
    }

    @Test
    void messagesOfOnePortalLeaveInTheOrderTheyWereQueued() {
        Portal portal = TestPortals.installed(bitrix);
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            receipts.add(messenger.portal(portal.memberId).bot("b24bots_echo").sendTo("42", OutgoingMessage.text("Report " + i)));
        }
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.imbot().messages(portal)).extracting(SentMessage::text)
                .containsExactly("Report 1", "Report 2", "Report 3", "Report 4", "Report 5");
        assertThat(receipts).allSatisfy(r -> assertThat(messenger.receipt(r.id()).orElseThrow().state()).isEqualTo(MessageState.SENT));
    }

    @Test
    void aFailureThatMayPassIsRetriedAndARefusalIsKeptOnTheReceipt() {
        Portal portal = TestPortals.installed(bitrix);
        bitrix.failNext(portal, "imbot.message.add", 1, Fault.error(500, "INTERNAL_SERVER_ERROR"));
        Receipt retried = messenger.portal(portal.memberId).bot("b24bots_echo").sendAndWait("42", OutgoingMessage.text("Once"), WAIT);
        assertThat(retried.state()).isEqualTo(MessageState.SENT);
        assertThat(bitrix.calls(portal.memberId, "imbot.message.add")).hasSize(2);

        bitrix.failNext(portal, "imbot.message.add", 1, Fault.error(400, "ACCESS_DENIED"));
        Receipt refused = messenger.portal(portal.memberId).bot("b24bots_echo").sendAndWait("42", OutgoingMessage.text("Never"), WAIT);
        assertThat(refused.state()).isEqualTo(MessageState.FAILED);
        assertThat(refused.errorCode()).isEqualTo("ACCESS_DENIED");
        assertThat(bitrix.imbot().messages(portal)).extracting(SentMessage::text).containsExactly("Once");
    }

    @Test
    void whatCannotBeSentIsRefusedBeforeAnythingIsStored() {
        Portal portal = TestPortals.installed(bitrix);
        var bot = messenger.portal(portal.memberId).bot("b24bots_echo");

        assertThatThrownBy(() -> messenger.portal("0".repeat(32)).bot("b24bots_echo").sendTo("42", OutgoingMessage.text("x")))
                .isInstanceOfSatisfying(MessengerException.class, e -> assertThat(e.reason()).isEqualTo(MessengerException.Reason.UNKNOWN_PORTAL));
        assertThatThrownBy(() -> messenger.portal(portal.memberId).bot("nobody").sendTo("42", OutgoingMessage.text("x")))
                .isInstanceOfSatisfying(MessengerException.class, e -> assertThat(e.reason()).isEqualTo(MessengerException.Reason.UNKNOWN_BOT));
        assertThatThrownBy(() -> bot.sendTo("not a dialog", OutgoingMessage.text("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bot.sendTo("42", OutgoingMessage.text(" "))).isInstanceOf(IllegalArgumentException.class);

        TestPortals.uninstall(bitrix, portal, false);
        assertThatThrownBy(() -> bot.sendTo("42", OutgoingMessage.text("after")))
                .isInstanceOfSatisfying(MessengerException.class, e -> assertThat(e.reason()).isEqualTo(MessengerException.Reason.PORTAL_NOT_ACTIVE));
        assertThat(Database.count("select count(*) from outgoing_message where member_id = ?", portal.memberId))
                .isZero();
        assertThat(bitrix.imbot().messages(portal)).isEmpty();
    }
}
