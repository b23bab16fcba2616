package io.b24bots.bot.handler;

import java.net.URI;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.imbot.OutgoingMessage;

/**
 * What a handler answers through: the bot's chat methods for the dialog an event came from, the
 * same for v1 and v2, and any other Bitrix24 method of the portal through the service's one client
 * (its rate limit, token refresh and errors included). In a command, messages go out as the
 * command's answer.
 *
 * <p>A call that timed out is not repeated (it may have been delivered) and returns 0; other
 * Bitrix24 errors are thrown ({@code BitrixException}), and a transient one makes the whole event
 * run again later.
 */
public interface BotChat {

    String memberId();

    long botId();

    /** The dialog of the event; null for portal-wide hooks (install). */
    String dialogId();

    /**
     * Posts a text (BB-code allowed) into the event's dialog (in a command, as its answer) without
     * waiting for the new message's id: the usual way to answer. Posts leave in order; while the
     * portal is at its rate limit, those of its events handled together leave in one {@code batch}
     * call. A post leaves when the hook returns, or after {@code b24.handlers.typing-after} if the
     * hook is still running. If it cannot be delivered, the hook's failure policy applies as if it
     * had thrown.
     */
    default void post(String text) {
        post(OutgoingMessage.text(text));
    }

    void post(OutgoingMessage message);

    /**
     * Sends a text into the event's dialog (in a command, as its answer) at once, after what this
     * portal has waiting, and returns the new message's id (0 if unknown), for a later
     * {@link #update} or {@link #delete}. Prefer {@link #post} when the id is not needed.
     */
    default long send(String text) {
        return send(OutgoingMessage.text(text));
    }

    long send(OutgoingMessage message);

    /** Sends into another dialog of the portal ({@code "<userId>"} or {@code "chat<id>"}); the new message's id. */
    long sendTo(String dialog, OutgoingMessage message);

    /**
     * Sends a file into the event's dialog, with an optional text, at once; the new message's id. v2 bots
     * only ({@code imbot.v2.File.upload}), at most {@link #MAX_FILE} bytes.
     *
     * @throws UnsupportedOperationException for a v1 bot
     * @throws IllegalArgumentException for an empty or too large file, or a name without an extension
     */
    long sendFile(String name, byte[] content, String text);

    /** The largest file a bot sends: its Base64 form is held in memory while it is sent. */
    int MAX_FILE = 10 * 1024 * 1024;

    /**
     * A one-time link to the content of a file a user sent (v2 bots: {@code imbot.v2.File.download}).
     * The link carries its own authorisation: fetch it at once and do not log it.
     *
     * @throws UnsupportedOperationException for a v1 bot
     */
    URI downloadUrl(IncomingFile file);

    /**
     * In an open line's chat the bot serves: hands the client to a free operator
     * ({@code imopenlines.bot.session.operator}). The app needs the {@code imopenlines} scope.
     *
     * @throws IllegalStateException outside a group chat's dialog
     */
    void handToOperator();

    /** In an open line's chat the bot serves: ends the session ({@code imopenlines.bot.session.finish}). */
    void finishSession();

    /** Shows "typing…" in the event's dialog; handlers that take seconds get it automatically. */
    void typing();

    /**
     * Edits a message this bot sent earlier. The new version replaces the old one whole: a keyboard or
     * attachment it lacks is removed; an edit with nothing in it is refused (Bitrix24 would delete the message).
     */
    void update(long messageId, OutgoingMessage message);

    /** Deletes a message this bot sent earlier. */
    void delete(long messageId);

    /** The bot's settings in this portal, as its administrator set them (see {@link BotSettings}). */
    BotSettings settings();

    /**
     * What the bot remembers of this dialog between messages (see {@link DialogState}).
     *
     * @throws IllegalStateException for a portal-wide hook, which has no dialog
     */
    DialogState state();

    /**
     * Any Bitrix24 REST method of this portal, as the application (for example {@code im.chat.get},
     * {@code crm.lead.add}); the answer's {@code result}. The app's scopes decide what is allowed.
     */
    JsonNode call(String method, Map<String, Object> params);
}
