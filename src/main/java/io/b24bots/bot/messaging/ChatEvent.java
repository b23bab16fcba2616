package io.b24bots.bot.messaging;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.declaration.BotDefinition;

/**
 * Something that happened around one of our bots other than a new message or a command: it joined
 * a chat, a message was edited or deleted, a reaction changed, a user opened its chat with a context,
 * the bot was deleted. Fields the event does not carry are 0 or null; {@code raw} is the event's data
 * without tokens.
 */
public record ChatEvent(
        Kind kind,
        String memberId,
        BotDefinition bot,
        long botId,
        String dialogId,
        long userId,
        long messageId,
        /** The new text of an edited message; null otherwise. */
        String text,
        /** The reaction of a reaction change ({@code like}, …); null otherwise. */
        String reaction,
        /** Whether the reaction was added (false: removed). */
        boolean added,
        String language,
        JsonNode raw) {

    public enum Kind {
        JOINED, MESSAGE_UPDATED, MESSAGE_DELETED, REACTION, CONTEXT, BOT_DELETED
    }

    /**
     * The context a user opened the bot's chat with (v2 {@code ONIMBOTV2CONTEXTGET}: a link with
     * {@code BOT_CONTEXT}); an empty node for other events.
     */
    public JsonNode context() {
        return raw == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : raw.path("context");
    }
}
