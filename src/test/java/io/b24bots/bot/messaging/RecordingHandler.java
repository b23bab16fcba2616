package io.b24bots.bot.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.node.IntNode;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.ChatEvent;
import io.b24bots.bot.handler.EchoHandler;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.imbot.Attachment;
import io.b24bots.bot.imbot.BbCode;
import io.b24bots.bot.imbot.Keyboard;
import io.b24bots.bot.imbot.OutgoingMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/**
 * The tests' bot code: answers like the echo bot, plus a {@code /menu} command with a keyboard and an
 * attachment, a few messages that exercise the rest of the chat API, and a record of every hook.
 */
@ApplicationScoped
@Named("recording")
public class RecordingHandler extends EchoHandler {

    /** "memberId hook detail", in the order the hooks ran. */
    static final List<String> HOOKS = new CopyOnWriteArrayList<>();
    static final Map<String, IncomingMessage> MESSAGES = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    static List<String> hooks(String memberId) {
        return HOOKS.stream().filter(h -> h.startsWith(memberId + " ")).map(h -> h.substring(memberId.length() + 1)).toList();
    }

    static int runs(String key) {
        return RUNS.getOrDefault(key, new AtomicInteger()).get();
    }

    @Override
    public void onMessage(IncomingMessage message, BotChat chat) {
        String key = message.memberId() + ":" + message.messageId();
        int run = RUNS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        HOOKS.add(message.memberId() + " message " + message.text());
        MESSAGES.put(message.memberId() + ":" + message.text(), message);
        switch (message.text()) {
            case "fail twice" -> {
                if (run <= 2) {
                    throw new IllegalStateException("run " + run + " fails on purpose");
                }
                chat.send("Third time lucky");
            }
            case "always fail" -> throw new IllegalStateException("this handler always fails");
            case "slow" -> {
                sleep(1_500);
                chat.send("Done thinking");
            }
            case "edit me" -> {
                long id = chat.send("first version");
                chat.update(id, OutgoingMessage.text("second version"));
            }
            case "delete me" -> chat.delete(chat.send("soon gone"));
            case "drop the buttons" -> {
                long id = chat.send(OutgoingMessage.text("with buttons").attach(Attachment.create().text("card"))
                        .keyboard(Keyboard.create().command("More", "menu", "more")));
                chat.update(id, OutgoingMessage.text("without buttons"));
            }
            case "two messages" -> {
                chat.send(OutgoingMessage.text("one").replyTo(message.messageId()));
                chat.send(BbCode.bold("two"));
            }
            case "call" -> chat.send("Bound events: " + chat.call("event.get", Map.of()).size());
            case "file please" -> chat.sendFile("report.txt", "42 orders".getBytes(StandardCharsets.UTF_8), "Here is the report");
            case "what did I send" -> message.attachedFiles().forEach(file -> chat.send(file.name() + " (" + file.size() + " bytes, "
                    + file.extension() + ") at " + chat.downloadUrl(file).getHost()));
            case "operator please" -> {
                chat.post("Connecting you to an operator");
                chat.handToOperator();
            }
            case "bye" -> chat.finishSession();
            case "greeting" -> chat.send(chat.settings().text("greeting") + " (" + chat.settings().number("max-replies") + ")");
            case "count" -> chat.send("Count " + chat.state().update(old -> IntNode.valueOf(old == null ? 1 : old.asInt() + 1),
                    Duration.ofMinutes(10)).asInt());
            default -> super.onMessage(message, chat);
        }
    }

    @Override
    public void onCommand(IncomingCommand command, BotChat chat) {
        HOOKS.add(command.memberId() + " command " + command.command() + " " + command.params() + " " + command.context());
        if (command.params().equals("more")) {
            chat.send("More for " + BbCode.escape(command.bot().displayName()));
            return;
        }
        chat.send(OutgoingMessage.text(BbCode.bold("Menu") + " of " + command.bot().displayName())
                .attach(Attachment.create().color("#29619b").text("Pick one").link("Docs", "https://b24bots.test/docs", null))
                .keyboard(Keyboard.create().command("More", "menu", "more").newLine().link("Site", "https://b24bots.test")));
    }

    @Override
    public void onJoin(ChatEvent.Joined event, BotChat chat) {
        HOOKS.add(event.memberId() + " join " + event.dialogId());
        super.onJoin(event, chat);
    }

    @Override
    public void onMessageUpdated(ChatEvent.MessageUpdated event, BotChat chat) {
        HOOKS.add(event.memberId() + " update " + event.messageId() + " " + event.text());
    }

    @Override
    public void onMessageDeleted(ChatEvent.MessageDeleted event, BotChat chat) {
        HOOKS.add(event.memberId() + " delete " + event.messageId());
    }

    @Override
    public void onReaction(ChatEvent.ReactionChanged event, BotChat chat) {
        HOOKS.add(event.memberId() + " reaction " + event.reaction() + " " + event.added());
    }

    @Override
    public void onContext(ChatEvent.ContextOpened event, BotChat chat) {
        HOOKS.add(event.memberId() + " context " + event.context().path("pairCode").asText());
        if (!event.context().path("pairCode").asText().isEmpty()) {
            chat.send("Paired with " + event.context().path("pairCode").asText());
        }
    }

    @Override
    public void onBotDeleted(ChatEvent.BotDeleted event) {
        HOOKS.add(event.memberId() + " bot-deleted " + event.botId());
    }

    @Override
    public void onPortalInstalled(String memberId, BotChat portal) {
        HOOKS.add(memberId + " installed " + portal.botId());
    }

    @Override
    public void onPortalUninstalled(String memberId) {
        HOOKS.add(memberId + " uninstalled");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
