package io.b24bots.bot.messaging;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.RestCall;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.BotSettings;
import io.b24bots.bot.handler.DialogState;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingFile;
import io.b24bots.bot.imbot.ImbotApi;
import io.b24bots.bot.imbot.OutgoingMessage;
import org.jboss.logging.Logger;

/**
 * The engine's {@link BotChat}: writes through the portal's {@link PortalOutbox} (an event's chat)
 * or one call each (portal-wide hooks). Every write first checks that the job is still this
 * worker's, so a stalled worker never sends what the job's new owner sends.
 */
final class PortalBotChat implements BotChat {

    private static final Logger LOG = Logger.getLogger(PortalBotChat.class);

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
    private final DialogState state;
    private final Supplier<BotSettings> settings;

    /** A chat whose messages leave one call each, at once (portal-wide hooks, which have no dialog). */
    PortalBotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, Runnable beforeWrite,
            Supplier<BotSettings> settings) {
        this(imbot, bitrix, memberId, botId, null, null, beforeWrite, null, null, null, settings);
    }

    /**
     * A chat of an event: its messages go through the outbox of the portal's run, in order with the
     * others'; {@code state} is what the bot remembers of the event's dialog (null without a dialog).
     */
    PortalBotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId, IncomingCommand command,
            PortalOutbox outbox, PortalOutbox.Origin origin, DialogState state, Supplier<BotSettings> settings) {
        this(imbot, bitrix, memberId, botId, dialogId, command, null, outbox, origin, state, settings);
    }

    private PortalBotChat(ImbotApi imbot, BitrixClient bitrix, String memberId, long botId, String dialogId,
            IncomingCommand command, Runnable beforeWrite, PortalOutbox outbox, PortalOutbox.Origin origin, DialogState state,
            Supplier<BotSettings> settings) {
        this.state = state;
        this.settings = settings;
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

    @Override
    public String memberId() {
        return memberId;
    }

    @Override
    public long botId() {
        return botId;
    }

    @Override
    public String dialogId() {
        return dialogId;
    }

    @Override
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

    @Override
    public long send(OutgoingMessage message) {
        return write(ownDialogCall(message), message);
    }

    @Override
    public long sendTo(String dialog, OutgoingMessage message) {
        return write(imbot.sendCall(botId, dialog, message), message);
    }

    @Override
    public long sendFile(String name, byte[] content, String text) {
        if (content == null || content.length == 0 || content.length > MAX_FILE) {
            throw new IllegalArgumentException("A file the bot sends has 1 byte to " + MAX_FILE + " bytes");
        }
        if (name == null || !name.matches("[^/\\\\]{1,200}\\.[A-Za-z0-9]{1,10}")) {
            throw new IllegalArgumentException("A file's name has an extension and no path, e.g. report.pdf");
        }
        RestCall call = imbot.sendFileCall(botId, requireDialog(), name, content, text);
        wrote.set(true);
        if (outbox != null) {
            JsonNode result = outbox.sendNow(origin, call);
            return result == null ? 0 : imbot.messageId(result);
        }
        return write(() -> imbot.messageId(bitrix.call(memberId, call.method(), call.params()).result()));
    }

    @Override
    public URI downloadUrl(IncomingFile file) {
        return URI.create(imbot.fileDownloadUrl(memberId, botId, file.id()));
    }

    @Override
    public void handToOperator() {
        openLine("imopenlines.bot.session.operator");
    }

    @Override
    public void finishSession() {
        openLine("imopenlines.bot.session.finish");
    }

    /** An open-line session call about this dialog's chat, after what the portal has waiting, so order is kept. */
    private void openLine(String method) {
        String dialog = requireDialog();
        if (!dialog.startsWith("chat")) {
            throw new IllegalStateException("An open line's session is a group chat's (chat<id>); this dialog is " + dialog);
        }
        RestCall call = new RestCall(method, Map.of("CHAT_ID", Long.parseLong(dialog.substring(4))));
        wrote.set(true);
        if (outbox != null) {
            outbox.sendNow(origin, call);
            return;
        }
        write(() -> {
            bitrix.call(memberId, call.method(), call.params());
            return 0;
        });
    }

    @Override
    public void typing() {
        if (dialogId != null) {
            imbot.typing(memberId, botId, dialogId);
        }
    }

    @Override
    public void update(long messageId, OutgoingMessage message) {
        write(() -> {
            imbot.update(memberId, botId, messageId, message);
            return messageId;
        });
    }

    @Override
    public void delete(long messageId) {
        write(() -> {
            imbot.delete(memberId, botId, messageId);
            return messageId;
        });
    }

    @Override
    public BotSettings settings() {
        return settings.get();
    }

    @Override
    public DialogState state() {
        if (state == null) {
            throw new IllegalStateException("This hook has no dialog, so no dialog state; use DialogStates.of(memberId, bot, dialogId)");
        }
        return state;
    }

    @Override
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

    private long write(LongSupplier call) {
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
