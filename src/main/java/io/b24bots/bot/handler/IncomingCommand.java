package io.b24bots.bot.handler;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.declaration.BotDefinition;

/**
 * A slash command of one of our bots (typed, or a keyboard button pressed), from
 * {@code ONIMCOMMANDADD} or {@code ONIMBOTV2COMMANDADD}. Answers given through the chat go out with
 * {@code imbot.command.answer} / {@code imbot.v2.Command.answer}.
 */
public record IncomingCommand(
        String memberId,
        BotDefinition bot,
        long botId,
        String dialogId,
        /** Without the slash, lower case. */
        String command,
        /** The text after the command (a button's {@code COMMAND_PARAMS}). */
        String params,
        long commandId,
        long messageId,
        long authorId,
        String language,
        /** {@code textarea} (typed), {@code keyboard} (a button) or {@code menu}. */
        String context,
        JsonNode raw) {

    /** The parameters of a button built with {@code Keyboard.button}: its id first. */
    private static final String BUTTON = "#";

    /** The id of the pressed button ({@code Keyboard.button}); null for any other command. */
    public String buttonId() {
        if (!"keyboard".equals(context) || params == null || !params.startsWith(BUTTON)) {
            return null;
        }
        int space = params.indexOf(' ');
        return params.substring(BUTTON.length(), space < 0 ? params.length() : space);
    }

    /** What follows the pressed button's id in its parameters (empty when nothing does). */
    public String buttonArgs() {
        if (buttonId() == null) {
            return params;
        }
        int space = params.indexOf(' ');
        return space < 0 ? "" : params.substring(space + 1);
    }
}
