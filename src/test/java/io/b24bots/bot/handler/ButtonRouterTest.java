package io.b24bots.bot.handler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.b24bots.bot.imbot.Keyboard;

/** A pressed button reaches the method routed to its id; anything else, the fallback. */
class ButtonRouterTest {

    final List<String> ran = new ArrayList<>();
    final ButtonRouter router = ButtonRouter.create()
            .on("approve", (press, chat) -> ran.add("approve " + press.buttonArgs()))
            .on("reject", (press, chat) -> ran.add("reject " + press.buttonArgs()))
            .otherwise((command, chat) -> ran.add("menu " + command.params()));

    @Test
    void aPressRunsItsButtonsRouteWithItsArguments() {
        String params = (String) Keyboard.create().button("Approve", "/deal", "approve", "deal 7").toBitrix().getFirst()
                .get("COMMAND_PARAMS");

        assertThat(router.route(command(params, "keyboard"), null)).isTrue();
        router.route(command("#reject", "keyboard"), null);

        assertThat(ran).containsExactly("approve deal 7", "reject ");
    }

    @Test
    void aTypedCommandOrAnUnknownButtonGoesToTheFallback() {
        router.route(command("#approve 1", "textarea"), null);
        router.route(command("#other 1", "keyboard"), null);
        assertThat(ran).containsExactly("menu #approve 1", "menu #other 1");
        assertThat(ButtonRouter.create().route(command("#x", "keyboard"), null)).as("nothing to run").isFalse();
    }

    private static IncomingCommand command(String params, String context) {
        return new IncomingCommand("a".repeat(32), null, 5, "7", "deal", params, 9, 10, 7, "en", context, null);
    }
}
