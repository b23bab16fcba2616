package io.b24bots.bot.declaration;

import java.util.Map;

/** One declared slash command of a bot, validated: what {@code imbot.command.register} / {@code imbot.v2.Command.register} get. */
public record CommandDefinition(
        /** Without the leading slash. */
        String command,
        Map<String, String> title,
        Map<String, String> params,
        boolean common,
        boolean hidden,
        boolean extranetSupport,
        String handler) {
}
