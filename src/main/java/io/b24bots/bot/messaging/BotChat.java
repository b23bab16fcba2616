package io.b24bots.bot.messaging;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.RestCall;
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
    private final PortalOutbox outbox;
    private final PortalOutbox.Origin origin;
    private final AtomicBoolean wrote = new AtomicBoolean();

    /** A chat whose messages leave one call each, at once (portal-wide hooks). */
    BotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId, IncomingCommand command,
            Runnable beforeWrite) {
        this(imbot, bitrix, memberId, botId, dialogId, command, beforeWrite, null, null);
    }

    /** A chat of an event: its messages go through the outbox of the portal's run, in order with the others'. */
    BotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId, IncomingCommand command,
            PortalOutbox outbox, PortalOutbox.Origin origin) {
        this(imbot, bitrix, memberId, botId, dialogId, command, null, outbox, origin);
    }

    private BotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId,
            IncomingCommand command, Runnable beforeWrite, PortalOutbox outbox, PortalOutbox.Origin origin) {
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.memberId = memberId;
        this.botId = botId;
        this.dialogId = dialogId;
        this.command = command;
        this.beforeWrite = beforeWrite;
        this.outbox = outbox;
        this.origin = origin;
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

    /**
     * Posts a text (BB-code allowed) into the event's dialog (in a command, as its answer) without
     * waiting for the new message's id: the usual way to answer. Posts leave in order; while the
     * portal is at its rate limit, those of its events handled together leave in one {@code batch}
     * call. A post leaves when the hook returns, or after {@code b24.handlers.typing-after} if the
     * hook is still running. If it cannot be delivered, the hook's failure policy applies as if it
     * had thrown.
     */
    public void post(String text) {
        post(OutgoingMessage.text(text));
    }

    public void post(OutgoingMessage message) {
        if (message.isEmpty()) {
            return;
        }
        if (outbox == null) {
            send(message);
            return;
        }
        wrote.set(true);
        outbox.post(origin, ownDialogCall(message));
    }

    /**
     * Sends a text into the event's dialog (in a command, as its answer) at once, after what this
     * portal has waiting, and returns the new message's id (0 if unknown), for a later
     * {@link #update} or {@link #delete}. Prefer {@link #post} when the id is not needed.
     */
    public long send(String text) {
        return send(OutgoingMessage.text(text));
    }

    public long send(OutgoingMessage message) {
        return write(ownDialogCall(message), message);
    }

    /** Sends into another dialog of the portal ({@code "<userId>"} or {@code "chat<id>"}); the new message's id. */
    public long sendTo(String dialog, OutgoingMessage message) {
        return write(imbot.sendCall(botId, dialog, message), message);
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
        });
    }

    /** Deletes a message this bot sent earlier. */
    public void delete(long messageId) {
        write(() -> {
            imbot.delete(memberId, botId, messageId);
            return messageId;
        });
    }

    /**
     * Any Bitrix24 REST method of this portal, as the application (for example {@code im.chat.get},
     * {@code crm.lead.add}); the answer's {@code result}. The app's scopes decide what is allowed.
     */
    public JsonNode call(String method, Map<String, Object> params) {
        return bitrix.call(memberId, method, params).result();
    }

    /** An event's chat confirms its job's lease itself before a direct write. */
    private void confirm() {
        if (origin != null) {
            origin.job().confirmLease();
        }
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

    private RestCall ownDialogCall(OutgoingMessage message) {
        return command != null
                ? imbot.answerCommandCall(botId, command.commandId(), command.messageId(), dialogId, message)
                : imbot.sendCall(botId, requireDialog(), message);
    }

    /** A message sent at once: through the outbox when there is one (so it keeps its place), else one call. */
    private long write(RestCall call, OutgoingMessage message) {
        if (message.isEmpty()) {
            return 0;
        }
        wrote.set(true);
        if (outbox != null) {
            JsonNode result = outbox.sendNow(origin, call);
            return result == null ? 0 : imbot.messageId(result);
        }
        return write(() -> imbot.messageId(bitrix.call(memberId, call.method(), call.params()).result()));
    }

    private long write(java.util.function.LongSupplier call) {
        if (beforeWrite != null) {
            beforeWrite.run();
        } else {
            confirm();
        }
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
