package io.b24bots.bot.messaging;


import io.b24bots.bot.declaration.BotDefinition;

/** A message addressed to one of our bots, the same for v1, v2 webhook and v2 fetch events. */
public record IncomingMessage(
        String memberId,
        BotDefinition bot,
        long botId,
        String dialogId,
        long authorId,
        String text,
        String language) {
}
