package io.b24bots.sandbox;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.b24bots.bot.imbot.BbCode;
import io.b24bots.bot.handler.BotMessageHandler;
import io.b24bots.bot.handler.IncomingMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/**
 * The dev-mode supervisor bot's handler ({@code watcher}): Bitrix24 sends a supervisor bot every
 * message of its chats, and with {@code group-messages=all} the handler gets them all, so it can
 * speak up unasked, here when someone writes that something is urgent. Addressed, it says what it does.
 */
@ApplicationScoped
@Named("watcher")
public class WatcherHandler implements BotMessageHandler {

    private static final Set<String> URGENT = Set.of("urgent", "asap", "срочно");

    @Override
    public Optional<String> reply(IncomingMessage message) {
        String text = message.text() == null ? "" : message.text().toLowerCase(Locale.ROOT);
        boolean russian = message.language() != null && message.language().startsWith("ru");
        if (message.isPrivate() || message.mentioned()) {
            return Optional.of(russian
                    ? "Я вижу каждое сообщение этого чата и отзываюсь, когда кто-то пишет «срочно»."
                    : "I see every message of this chat and speak up when someone writes \"urgent\".");
        }
        if (URGENT.stream().noneMatch(text::contains)) {
            return Optional.empty();
        }
        String author = "[USER=" + message.authorId() + "]" + BbCode.escape(message.authorName() == null ? "" : message.authorName())
                + "[/USER]";
        return Optional.of(russian ? author + ", отметил как срочное." : author + ", noted as urgent.");
    }
}
