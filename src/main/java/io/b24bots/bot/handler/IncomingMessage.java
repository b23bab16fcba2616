package io.b24bots.bot.handler;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.declaration.BotDefinition;

/**
 * A message addressed to one of our bots, the same for v1, v2 webhook and v2 fetch events: who
 * wrote it where, whether the bot was mentioned, the files, and the event's data as Bitrix24 sent
 * it (without tokens) for anything not lifted into a field.
 */
public record IncomingMessage(
        String memberId,
        BotDefinition bot,
        long botId,
        /** Where to answer: {@code "<userId>"} for a personal chat, {@code "chat<id>"} for a group. */
        String dialogId,
        long authorId,
        String text,
        /** Lower-case Bitrix24 language of the portal or author ({@code en}, {@code ru}), or null. */
        String language,
        long messageId,
        long chatId,
        ChatType chatType,
        /** The bot was named in the message ({@code [USER=<botId>]}, Bitrix24's mention list). */
        boolean mentioned,
        String authorName,
        boolean authorExtranet,
        /** The author is an open-channel connector (a customer writing from outside). */
        boolean authorConnector,
        /** The message's files as Bitrix24 describes them (id, name, size, links). */
        List<JsonNode> files,
        /** The event's {@code data}, tokens removed. */
        JsonNode raw) {

    /** The kind of chat, from v1 {@code MESSAGE_TYPE} or v2 {@code chat.type} / {@code entityType}. */
    public enum ChatType {
        PRIVATE, GROUP, OPEN_LINE, OTHER
    }

    public boolean isPrivate() {
        return chatType == ChatType.PRIVATE;
    }

    /** The message's files, typed; {@link BotChat#downloadUrl} gives a link to each one's content. */
    public List<IncomingFile> attachedFiles() {
        return files.stream().filter(JsonNode::isObject).map(IncomingFile::of).toList();
    }
}
