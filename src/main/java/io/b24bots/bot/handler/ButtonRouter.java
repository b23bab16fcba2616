package io.b24bots.bot.handler;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Routes a pressed keyboard button to the method written for it, by the button's id: build the
 * keyboard with {@code Keyboard.button(text, command, id, args)} and, in {@code onCommand},
 * {@code router.route(command, chat)}. A press whose id has no route (or a command typed by hand)
 * goes to {@link #otherwise}, or is left to the caller when there is none.
 *
 * <pre>{@code
 * ButtonRouter router = ButtonRouter.create()
 *         .on("approve", (press, chat) -> approve(press.buttonArgs(), chat))
 *         .on("reject", (press, chat) -> reject(press.buttonArgs(), chat));
 * }</pre>
 */
public final class ButtonRouter {

    private final Map<String, BiConsumer<IncomingCommand, BotChat>> routes = new LinkedHashMap<>();
    private BiConsumer<IncomingCommand, BotChat> otherwise;

    private ButtonRouter() {
    }

    public static ButtonRouter create() {
        return new ButtonRouter();
    }

    /** What a press of the button with this id does. */
    public ButtonRouter on(String buttonId, BiConsumer<IncomingCommand, BotChat> route) {
        if (buttonId == null || !buttonId.matches("[A-Za-z0-9_.-]{1,50}")) {
            throw new IllegalArgumentException("A button id is 1 to 50 letters, digits, '_', '.' or '-'");
        }
        routes.put(buttonId, route);
        return this;
    }

    /** What any other press, or a command typed by hand, does. */
    public ButtonRouter otherwise(BiConsumer<IncomingCommand, BotChat> route) {
        this.otherwise = route;
        return this;
    }

    /** Runs the route of the pressed button; false when nothing was run. */
    public boolean route(IncomingCommand command, BotChat chat) {
        BiConsumer<IncomingCommand, BotChat> route = command.buttonId() == null ? null : routes.get(command.buttonId());
        if (route == null) {
            route = otherwise;
        }
        if (route == null) {
            return false;
        }
        route.accept(command, chat);
        return true;
    }
}
