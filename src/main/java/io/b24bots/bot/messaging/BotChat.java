package io.b24bots.bot.messaging;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.imbot.ImbotApi;
import io.b24bots.bot.imbot.OutgoingMessage;
import org.jboss.logging.Logger;

/**
 * What a handler answers through: the bot's chat methods for the dialog an event came from, the
 * same for v1 and v2, and any other Bitrix24 method of the portal through the one client (its
 * rate limit, token refresh and errors included). In a command, messages go out as the command's
 * answer. Every write first checks that the job is still this worker's, so a stalled worker never
 * sends what the job's new owner sends.
 *
 * <p>A call that timed out is not repeated (it may have been delivered) and returns 0; other
 * Bitrix24 errors are thrown, and a transient one makes the whole event run again later.
 */
public final class BotChat {

    private static final Logger LOG = Logger.getLogger(BotChat.class);

    private final ImbotApi imbot;
    private final BitrixClient bitrix;
    private final String memberId;
    private final long botId;
    private final String dialogId;
    private final IncomingCommand command;
    private final Runnable beforeWrite;
    private final AtomicBoolean wrote = new AtomicBoolean();

    BotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId, IncomingCommand command,
            Runnable beforeWrite) {
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.memberId = memberId;
        this.botId = botId;
        this.dialogId = dialogId;
        this.command = command;
        this.beforeWrite = beforeWrite;
    }

    public String memberId() {
        return memberId;
    }

    public long botId() {
        return botId;
    }

    /** The dialog of the event; null for portal-wide hooks (install). */
    public String dialogId() {
        return dialogId;
    }

    /** Sends a text (BB-code allowed) into the event's dialog; the new message's id, 0 if unknown. */
    public long send(String text) {
        return send(OutgoingMessage.text(text));
    }

    public long send(OutgoingMessage message) {
        if (command != null) {
            return write(() -> imbot.answerCommand(memberId, botId, command.commandId(), command.messageId(), dialogId, message),
                    message);
        }
        return sendTo(requireDialog(), message);
    }

    /** Sends into another dialog of the portal ({@code "<userId>"} or {@code "chat<id>"}). */
    public long sendTo(String dialog, OutgoingMessage message) {
        return write(() -> imbot.send(memberId, botId, dialog, message), message);
    }

    /** Shows "typing…" in the event's dialog; handlers that take seconds get it automatically. */
    public void typing() {
        if (dialogId != null) {
            imbot.typing(memberId, botId, dialogId);
        }
    }

    /** Edits a message this bot sent earlier. */
    public void update(long messageId, OutgoingMessage message) {
        write(() -> {
            imbot.update(memberId, botId, messageId, message);
            return messageId;
        }, null);
    }

    /** Deletes a message this bot sent earlier. */
    public void delete(long messageId) {
        write(() -> {
            imbot.delete(memberId, botId, messageId);
            return messageId;
        }, null);
    }

    /**
     * Any Bitrix24 REST method of this portal, as the application (for example {@code im.chat.get},
     * {@code crm.lead.add}); the answer's {@code result}. The app's scopes decide what is allowed.
     */
    public JsonNode call(String method, Map<String, Object> params) {
        return bitrix.call(memberId, method, params).result();
    }

    /** Whether anything was sent or changed through this chat. */
    boolean wrote() {
        return wrote.get();
    }

    private String requireDialog() {
        if (dialogId == null) {
            throw new IllegalStateException("This event has no dialog; use sendTo(dialogId, message)");
        }
        return dialogId;
    }

    private long write(java.util.function.LongSupplier call, OutgoingMessage message) {
        if (message != null && message.isEmpty()) {
            return 0;
        }
        beforeWrite.run();
        wrote.set(true);
        try {
            return call.getAsLong();
        } catch (BitrixException e) {
            if (BitrixException.TIMEOUT.equals(e.code())) {
                LOG.warnf("Bot %d in portal %s: a message call timed out and is not repeated", botId, memberId);
                return 0;
            }
            throw e;
        }
    }
}
