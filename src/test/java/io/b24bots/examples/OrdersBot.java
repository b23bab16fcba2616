package io.b24bots.examples;

import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.BotMessageHandler;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.imbot.Attachment;
import io.b24bots.bot.imbot.BbCode;
import io.b24bots.bot.imbot.Keyboard;
import io.b24bots.bot.imbot.OutgoingMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

@ApplicationScoped
@Named("orders")
public class OrdersBot implements BotMessageHandler {

    @Override
    public void onCommand(IncomingCommand command, BotChat chat) {
        if (command.params().startsWith("show ")) {          // a button pressed: /orders show 42
            String id = command.params().substring(5);
            chat.post(OutgoingMessage.text("Order " + BbCode.bold(BbCode.escape(id)))
                    .attach(Attachment.create().color("#29619b")
                            .field("Status", "shipped")
                            .link("Open in the shop", "https://shop.example.com/orders/" + id, null)));
            return;
        }
        chat.post(OutgoingMessage.text("Your last orders:")
                .keyboard(Keyboard.create()
                        .command("Order 41", "orders", "show 41")
                        .command("Order 42", "orders", "show 42")
                        .newLine()
                        .link("All orders", "https://shop.example.com/orders")));
    }

    @Override
    public void onMessage(IncomingMessage message, BotChat chat) {
        Optional<JsonNode> shipped = chat.state().get();      // what ShipmentNotices remembered for this dialog
        if (message.text().toLowerCase(Locale.ROOT).contains("where") && shipped.isPresent()) {
            String id = shipped.get().asText();
            chat.post(OutgoingMessage.text("Order " + BbCode.bold(BbCode.escape(id)) + " is on its way.")
                    .keyboard(Keyboard.create().link("Track it", "https://shop.example.com/track/" + id)));
            return;
        }
        chat.post(OutgoingMessage.text("Hello, " + BbCode.escape(message.authorName())
                + "! Type /orders.").replyTo(message.messageId()));
    }
}
