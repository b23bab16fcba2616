package io.b24bots.examples;

import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.BotMessageHandler;
import io.b24bots.bot.handler.BotTexts;
import io.b24bots.bot.handler.ButtonRouter;
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

    /** Each button of the keyboard below has an id; a press runs the method routed to it. */
    private final ButtonRouter buttons = ButtonRouter.create()
            .on("show", (press, chat) -> showOrder(press.buttonArgs(), chat))
            .otherwise((command, chat) -> listOrders(chat));

    @Override
    public void onCommand(IncomingCommand command, BotChat chat) {
        buttons.route(command, chat);                      // /orders typed, or a button of its keyboard pressed
    }

    private void listOrders(BotChat chat) {
        chat.post(OutgoingMessage.text("Your last orders:")
                .keyboard(Keyboard.create()
                        .button("Order 41", "orders", "show", "41")
                        .button("Order 42", "orders", "show", "42")
                        .newLine()
                        .link("All orders", "https://shop.example.com/orders")));
    }

    private void showOrder(String id, BotChat chat) {
        chat.post(OutgoingMessage.text("Order " + BbCode.bold(BbCode.escape(id)))
                .attach(Attachment.create().color("#29619b")
                        .field("Status", "shipped")
                        .link("Open in the shop", "https://shop.example.com/orders/" + id, null)));
    }

    @Override
    public void onMessage(IncomingMessage message, BotChat chat) {
        Optional<JsonNode> shipped = chat.state().get();      // what ShipmentNotices remembered for this dialog
        String asked = message.text().toLowerCase(Locale.ROOT);
        if ((asked.contains("where") || asked.contains("где")) && shipped.isPresent()) {
            String id = shipped.get().asText();
            OrdersTexts texts = BotTexts.of(OrdersTexts.class, message.language());   // in the user's language
            chat.post(OutgoingMessage.text(texts.onItsWay(BbCode.bold(BbCode.escape(id))))
                    .keyboard(Keyboard.create().link("Track it", "https://shop.example.com/track/" + id)));
            return;
        }
        chat.post(OutgoingMessage.text("Hello, " + BbCode.escape(message.authorName())
                + "! Type /orders.").replyTo(message.messageId()));
    }
}
