package io.b24bots.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.handler.IncomingMessage.ChatType;

/** The dev-mode supervisor bot speaks up unasked only for urgent messages, and explains itself when addressed. */
class WatcherHandlerTest {

    final WatcherHandler watcher = new WatcherHandler();

    @Test
    void itFlagsUrgentGroupMessagesItWasNotAskedAbout() {
        assertThat(watcher.reply(group("The server is down, URGENT please", false)))
                .contains("[USER=7]Ann[/USER], noted as urgent.");
        assertThat(watcher.reply(group("lunch at noon?", false))).isEmpty();
    }

    @Test
    void addressedItSaysWhatItDoes() {
        assertThat(watcher.reply(group("what are you?", true))).hasValueSatisfying(text -> assertThat(text).contains("urgent"));
    }

    private static IncomingMessage group(String text, boolean mentioned) {
        return new IncomingMessage("a".repeat(32), null, 9, "chat1", 7, text, "en", 100, 1, ChatType.GROUP, mentioned, "Ann",
                false, false, List.of(), null);
    }
}
