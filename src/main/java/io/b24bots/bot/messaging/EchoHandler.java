package io.b24bots.bot.messaging;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/** The default answer: a short help text for "help" or an empty message, otherwise an echo. */
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
}
