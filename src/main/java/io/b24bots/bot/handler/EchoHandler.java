package io.b24bots.bot.handler;

import java.util.Optional;

import io.b24bots.bot.imbot.Keyboard;
import io.b24bots.bot.imbot.OutgoingMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/**
 * The example bots' handler: a short help text for "help" or an empty message, otherwise an echo;
 * a declared {@code /help} command answers with the help text and a keyboard (dev mode declares it).
 */
@ApplicationScoped
@Named("echo")
public class EchoHandler implements BotMessageHandler {

    @Override
    public Optional<String> reply(IncomingMessage message) {
        String text = message.text() == null ? "" : message.text().trim();
        boolean russian = message.language() != null && message.language().startsWith("ru");
        if (text.isEmpty() || text.equalsIgnoreCase("help") || text.equalsIgnoreCase("помощь")) {
            return Optional.of(russian
                    ? "Я " + message.bot().displayName() + ". Напишите что-нибудь, и я повторю это."
                    : "I am " + message.bot().displayName() + ". Write anything and I will repeat it.");
        }
        return Optional.of((russian ? "Вы написали: " : "You wrote: ") + text);
    }

    @Override
    public void onCommand(IncomingCommand command, BotChat chat) {
        if (!"help".equals(command.command())) {
            return;
        }
        boolean russian = command.language() != null && command.language().startsWith("ru");
        chat.post(OutgoingMessage.text(russian
                        ? "Я " + command.bot().displayName() + ". Напишите что-нибудь, и я повторю это."
                        : "I am " + command.bot().displayName() + ". Write anything and I will repeat it.")
                .keyboard(Keyboard.create()
                        .command(russian ? "Ещё раз" : "Once more", "help")
                        .link(russian ? "О чат-ботах Битрикс24" : "About Bitrix24 chat bots",
                                "https://apidocs.bitrix24.com/api-reference/chat-bots/")));
    }
}
