package io.b24bots.examples;

import java.time.Duration;

import com.fasterxml.jackson.databind.node.TextNode;
import io.b24bots.bot.imbot.BbCode;
import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.bot.sending.BotMessenger;
import io.b24bots.bot.sending.Receipt;
import io.b24bots.bot.state.DialogStates;
import jakarta.enterprise.context.ApplicationScoped;

/** Called by the shop (a scheduled job, a REST resource, a message consumer) when an order ships. */
@ApplicationScoped
public class ShipmentNotices {

    private final BotMessenger messenger;
    private final DialogStates states;

    ShipmentNotices(BotMessenger messenger, DialogStates states) {
        this.messenger = messenger;
        this.states = states;
    }

    /** The bot writes first, and remembers the order for the customer's answer. */
    public Receipt shipped(String memberId, String userId, String orderId) {
        states.of(memberId, "acme_orders", userId).update(old -> TextNode.valueOf(orderId), Duration.ofDays(7));
        return messenger.portal(memberId).bot("acme_orders").sendTo(userId,
                OutgoingMessage.text("Order " + BbCode.bold(BbCode.escape(orderId)) + " has shipped. Ask me \"where is it?\""));
    }
}
