package io.b24bots.bot.handler;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.declaration.BotDefinition;

/**
 * Something that happened around one of our bots other than a new message or a command, one record
 * per kind, each with the fields its event carries. {@code raw} is the event's data without tokens,
 * for anything not lifted into a field.
 */
public sealed interface ChatEvent {

    String memberId();

    BotDefinition bot();

    long botId();

    /** Lower-case Bitrix24 language of the portal or user ({@code en}, {@code ru}), or null. */
    String language();

    JsonNode raw();

    /** The bot joined a chat ({@code userId}: who added it or opened the chat). */
    record Joined(String memberId, BotDefinition bot, long botId, String dialogId, long userId, String language, JsonNode raw)
            implements ChatEvent {
    }

    /** A message to the bot was edited; {@code text} is its new text. */
    record MessageUpdated(String memberId, BotDefinition bot, long botId, String dialogId, long authorId, long messageId,
            String text, String language, JsonNode raw) implements ChatEvent {
    }

    /** A message was deleted ({@code userId}: who deleted it). */
    record MessageDeleted(String memberId, BotDefinition bot, long botId, String dialogId, long userId, long messageId,
            String language, JsonNode raw) implements ChatEvent {
    }

    /** v2: a reaction ({@code like}, …) was added to a message ({@code added}) or taken back. */
    record ReactionChanged(String memberId, BotDefinition bot, long botId, String dialogId, long userId, long messageId,
            String reaction, boolean added, String language, JsonNode raw) implements ChatEvent {
    }

    /**
     * v2: a user opened the bot's chat through a link with a {@code BOT_CONTEXT} (Bitrix24's "Passing
     * Context to the Bot"); {@code context} is that JSON, an empty node when there was none.
     */
    record ContextOpened(String memberId, BotDefinition bot, long botId, String dialogId, long userId, JsonNode context,
            String language, JsonNode raw) implements ChatEvent {
    }

    /** The bot was deleted in Bitrix24, proven by Bitrix24 no longer knowing it. */
    record BotDeleted(String memberId, BotDefinition bot, long botId, JsonNode raw) implements ChatEvent {
        @Override
        public String language() {
            return null;
        }
    }
}
