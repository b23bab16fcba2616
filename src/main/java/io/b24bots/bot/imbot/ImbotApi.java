package io.b24bots.bot.imbot;

import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.RestCall;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.CommandDefinition;

/**
 * The chat-bot methods of one Bitrix24 API version, called for a portal through its stored OAuth
 * token (after b24phpsdk's {@code Services/IMBot}). Callers choose the version once, through
 * {@link Imbot}, instead of branching on it at every call.
 */
public interface ImbotApi {

    BotApi version();

    /** Registers the declared bot (v2: idempotent per code; v1: a new bot every time). */
    RegisteredBot register(String memberId, BotDefinition bot);

    /** Removes a bot of this app; false when Bitrix24 no longer knew it. */
    boolean unregister(String memberId, long botId);

    /**
     * The portal's bots by code as this API lists them: v2 lists this app's bots only (read page by
     * page, a bounded number of pages), v1 lists every bot of the portal, other apps' too.
     */
    Map<String, Long> list(String memberId);

    /** Whether Bitrix24 still knows the bot. */
    boolean exists(String memberId, long botId);

    /** Sends a text message as the bot into a dialog ({@code "<userId>"} or {@code "chat<id>"}). */
    default void send(String memberId, long botId, String dialogId, String text) {
        send(memberId, botId, dialogId, OutgoingMessage.text(text));
    }

    /** Sends a message as the bot; the new message's id (0 when Bitrix24 did not say). */
    long send(String memberId, long botId, String dialogId, OutgoingMessage message);

    /** The call {@link #send} makes, for a {@code batch}; {@link #messageId} reads its result. */
    RestCall sendCall(long botId, String dialogId, OutgoingMessage message);

    /** The new message's id in the result of a send or a command answer; 0 when Bitrix24 did not say. */
    long messageId(JsonNode result);

    /**
     * The call that sends a file into a dialog with an optional text ({@code imbot.v2.File.upload});
     * the new message's id is {@code result.messageId}.
     *
     * @throws UnsupportedOperationException for a v1 bot, whose API has no file method
     */
    RestCall sendFileCall(long botId, String dialogId, String name, byte[] content, String text);

    /**
     * A one-time link to download a file of the bot's chats ({@code imbot.v2.File.download}).
     *
     * @throws UnsupportedOperationException for a v1 bot, whose API has no file method
     */
    String fileDownloadUrl(String memberId, long botId, long fileId);

    /** Replaces the text, attachments and keyboard of a message the bot sent. */
    void update(String memberId, long botId, long messageId, OutgoingMessage message);

    /** Deletes a message the bot sent. */
    void delete(String memberId, long botId, long messageId);

    /** Shows "typing…" in the dialog for a while (or until the bot's next message). */
    void typing(String memberId, long botId, String dialogId);

    /** Answers a slash command in the chat it came from; the answer's message id when Bitrix24 says it. */
    long answerCommand(String memberId, long botId, long commandId, long messageId, String dialogId, OutgoingMessage message);

    /** The call {@link #answerCommand} makes, for a {@code batch}. */
    RestCall answerCommandCall(long botId, long commandId, long messageId, String dialogId, OutgoingMessage message);

    /** Registers a command of the bot; its id in the portal. */
    long registerCommand(String memberId, long botId, CommandDefinition command);

    /**
     * What was applied of a command: its id, whether it was common, and the languages it has titles in
     * ({@code common} null and no languages when an older run did not record them).
     */
    record AppliedCommand(long id, Boolean common, Set<String> languages) {
    }

    /**
     * Brings a registered command in line with its declaration; its id afterwards (a new one when it had
     * to be registered again: v1 cannot change a command's {@code COMMON} by an update).
     */
    long updateCommand(String memberId, long botId, AppliedCommand before, CommandDefinition command);

    /** Removes a command; false when Bitrix24 no longer knew it. */
    boolean unregisterCommand(String memberId, long botId, long commandId);

    /**
     * Applies the declaration to a registered bot: properties, avatar, colour and (v2) the event
     * mode and webhook URL. Registering again does not, Bitrix24 returns the bot unchanged.
     */
    void updateBot(String memberId, long botId, BotDefinition bot);
}
