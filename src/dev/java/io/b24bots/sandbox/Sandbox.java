package io.b24bots.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.ImbotEmulation.EmuBot;
import io.b24bots.testing.ImbotEmulation.EmuCommand;
import io.b24bots.testing.ImbotEmulation.PostedMessage;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The sandbox portals: Bitrix24 portals in the in-process emulator, and what their users do in
 * them. Everything reaches the service the way Bitrix24 does it: the iframe POSTs, the events as
 * HTTP POSTs to the handler URLs the bots registered (with the bot's and the author's tokens), and
 * fetch-mode bots' events in the emulator's {@code imbot.v2.Event.get} queue.
 */
@ApplicationScoped
public class Sandbox {

    /** Who uses a sandbox portal: its administrator and an ordinary employee (the emulator's users 1 and 2). */
    public static final long ADMIN = 1;
    public static final long EMPLOYEE = 2;

    private static volatile Bitrix24Emulator shared;

    /** Tests hand over their emulator, the one the service already trusts. */
    public static void useEmulator(Bitrix24Emulator emulator) {
        shared = emulator;
    }

    /** A line the sandbox's users wrote to a bot. */
    public record UserLine(long botId, long userId, String text, Instant at) {
    }

    /** Something that happened in a sandbox portal, for its activity log. */
    public record Activity(Instant at, String text, boolean problem) {
    }

    /** A portal of the sandbox and what happened in it. */
    public static final class SandboxPortal {
        final Portal portal;
        final String name;
        final String applicationToken;
        final List<UserLine> lines = new CopyOnWriteArrayList<>();
        final List<Activity> activity = new CopyOnWriteArrayList<>();
        volatile boolean installed;
        volatile boolean rateLimited;
        volatile boolean slow;
        volatile boolean moved;

        SandboxPortal(Portal portal, String name, String applicationToken) {
            this.portal = portal;
            this.name = name;
            this.applicationToken = applicationToken;
        }

        void log(String text, boolean problem) {
            activity.add(new Activity(Instant.now(), text, problem));
        }
    }

    private final String clientId;
    private final String clientSecret;
    private final Map<String, SandboxPortal> portals = new ConcurrentHashMap<>();
    private final AtomicLong numbers = new AtomicLong();
    private final AtomicLong messageIds = new AtomicLong(900_000);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Bitrix24Emulator emulator;
    private volatile boolean owned;

    Sandbox(@ConfigProperty(name = "b24.client-id") String clientId,
            @ConfigProperty(name = "b24.client-secret") String clientSecret) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    void start(@Observes StartupEvent event) {
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            try {
                // The service's own client id and secret: the OAuth server it trusts for the sandbox is this one.
                emulator = new Bitrix24Emulator(clientId, clientSecret, SandboxConfigSource.port());
                emulator.imbot().acceptLocalhostHandlers();
                owned = true;
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the sandbox's Bitrix24 emulator on port "
                        + SandboxConfigSource.port(), e);
            }
        } else {
            emulator = shared;
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (owned && emulator != null) {
            emulator.close();
        }
    }

    public boolean available() {
        return emulator != null;
    }

    Bitrix24Emulator emulator() {
        return emulator;
    }

    // ---- portals -----------------------------------------------------------------------------

    /** A new portal at {@code domain}, the address of the page that shows it (so the app may be framed there). */
    public SandboxPortal create(String domain) {
        Portal portal = emulator.createPortal(domain);
        long n = numbers.incrementAndGet();
        SandboxPortal sandbox = new SandboxPortal(portal, "Sandbox portal " + n, "sandbox-app-" + portal.memberId);
        portals.put(portal.memberId, sandbox);
        sandbox.log("Portal created (member_id " + portal.memberId + ")", false);
        return sandbox;
    }

    public List<SandboxPortal> portals() {
        return portals.values().stream().sorted((a, b) -> a.name.compareTo(b.name)).toList();
    }

    public Optional<SandboxPortal> portal(String memberId) {
        return Optional.ofNullable(memberId == null ? null : portals.get(memberId));
    }

    public void remove(SandboxPortal portal) {
        portals.remove(portal.portal.memberId);
    }

    /**
     * The fields Bitrix24 POSTs into the app's iframe for {@code userId}: fresh tokens of that user,
     * the OAuth server, the application token and the portal.
     */
    public Map<String, String> frameFields(SandboxPortal sandbox, long userId) {
        Bitrix24Emulator.Tokens tokens = emulator.issueTokens(sandbox.portal, userId);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("AUTH_ID", tokens.accessToken());
        fields.put("AUTH_EXPIRES", "3600");
        fields.put("REFRESH_ID", tokens.refreshToken());
        fields.put("SERVER_ENDPOINT", emulator.oauthUrl() + "/rest/");
        fields.put("APPLICATION_TOKEN", sandbox.applicationToken);
        fields.put("APPLICATION_SCOPE", "imbot");
        fields.put("member_id", sandbox.portal.memberId);
        fields.put("status", "L");
        fields.put("PLACEMENT", "DEFAULT");
        fields.put("PLACEMENT_OPTIONS", "{}");
        return fields;
    }

    /** The query string Bitrix24 puts on the iframe's URL. */
    public String frameQuery(SandboxPortal sandbox) {
        return "DOMAIN=" + enc(sandbox.portal.domain) + "&PROTOCOL=0&LANG=en&APP_SID=sandbox" + System.nanoTime();
    }

    // ---- bots and chat -----------------------------------------------------------------------

    /** A bot of the app, as the portal knows it. */
    public record BotInfo(long id, String code, String name, String api, String mode, String handler, String type) {

        /** Bitrix24 sends such a bot every message of its group chats, not only those that mention it. */
        boolean seesEveryGroupMessage() {
            return api.equals("v1") ? type.equalsIgnoreCase("S") : type.equals("supervisor") || type.equals("personal");
        }
    }

    /** The sandbox's group chat, with every bot of the app in it: the chat pane's "Team chat". */
    public static final long TEAM_CHAT = 0;
    static final String TEAM_DIALOG = "chat1";
    private static final Pattern MENTION = Pattern.compile("@([\\p{L}\\p{N}_]+)");

    public List<BotInfo> bots(SandboxPortal sandbox) {
        List<BotInfo> out = new ArrayList<>();
        for (EmuBot bot : emulator.imbot().bots(sandbox.portal)) {
            if (!bot.deleted) {
                out.add(info(bot));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static BotInfo info(EmuBot bot) {
        Map<String, Object> p = bot.params;
        if (bot.api.equals("v1")) {
            Object properties = p.get("PROPERTIES");
            String name = properties instanceof Map<?, ?> m ? String.valueOf(m.get("NAME")) : str(p.get("PROPERTIES[NAME]"));
            return new BotInfo(bot.id, bot.code, name, "v1", "webhook", str(p.get("EVENT_MESSAGE_ADD")),
                    str(p.getOrDefault("TYPE", "B")));
        }
        Map<String, Object> properties = p.get("properties") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        String mode = p.containsKey("eventMode") ? str(p.get("eventMode")) : "fetch";
        return new BotInfo(bot.id, bot.code, str(properties.get("name")), "v2", mode, str(p.get("webhookUrl")),
                str(p.getOrDefault("type", "bot")));
    }

    /** One line of a chat: a user's or a bot's ({@code botId}); {@code author} names who wrote it. */
    public record ChatLine(String from, long id, long botId, String text, List<Map<String, Object>> buttons, Instant at,
            String author, List<Object> attach) {
    }

    /**
     * The conversation of {@code userId} with a bot (or, for {@link #TEAM_CHAT}, the team chat), oldest
     * first: the user's lines and the bots' messages.
     */
    public List<ChatLine> chat(SandboxPortal sandbox, long botId, long userId) {
        String dialog = botId == TEAM_CHAT ? TEAM_DIALOG : String.valueOf(userId);
        Map<Long, String> names = new HashMap<>();
        bots(sandbox).forEach(b -> names.put(b.id(), b.name()));
        List<ChatLine> out = new ArrayList<>();
        for (UserLine line : sandbox.lines) {
            if (line.botId() == botId && (botId == TEAM_CHAT || line.userId() == userId)) {
                out.add(new ChatLine("user", 0, 0, line.text(), List.of(), line.at(), userName(line.userId()), List.of()));
            }
        }
        for (PostedMessage message : emulator.imbot().posted(sandbox.portal)) {
            if ((botId == TEAM_CHAT || message.botId() == botId) && message.dialogId().equals(dialog)) {
                out.add(new ChatLine("bot", message.id(), message.botId(), message.text(), message.buttons(), message.at(),
                        names.getOrDefault(message.botId(), ""), attachBlocks(sandbox, message.id())));
            }
        }
        out.sort((a, b) -> a.at().compareTo(b.at()));
        return out;
    }

    /** The blocks of a message's attachment, v1 ({@code ATTACH}) or v2 ({@code fields.attach}), full or short form. */
    @SuppressWarnings("unchecked")
    private List<Object> attachBlocks(SandboxPortal sandbox, long messageId) {
        Map<String, Object> params;
        try {
            params = emulator.imbot().message(sandbox.portal, messageId).params;
        } catch (RuntimeException e) {
            return List.of();
        }
        Object attach = params.get("ATTACH");
        if (attach == null && params.get("fields") instanceof Map<?, ?> fields) {
            attach = fields.get("attach");
        }
        if (attach instanceof Map<?, ?> full && full.get("BLOCKS") instanceof List<?> blocks) {
            return (List<Object>) blocks;
        }
        return attach instanceof List<?> blocks ? (List<Object>) blocks : List.of();
    }

    /**
     * {@code userId} writes {@code text} to a bot in their private chat with it, or into the team chat
     * ({@link #TEAM_CHAT}). Webhook bots get the event POSTed to the URL they registered, fetch-mode
     * bots find it in their event queue. In the team chat "@Name" mentions a bot, written as Bitrix24
     * writes a mention ({@code [USER=<id>]Name[/USER]}), and the message goes where Bitrix24 sends it:
     * to the bots it mentions and to every bot that sees all messages (supervisor, personal, v1 S).
     */
    public void write(SandboxPortal sandbox, long botId, long userId, String text, URI service) {
        if (botId == TEAM_CHAT) {
            writeToTeam(sandbox, userId, text, service);
            return;
        }
        BotInfo bot = bots(sandbox).stream().filter(b -> b.id() == botId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("This portal has no bot " + botId));
        sandbox.lines.add(new UserLine(botId, userId, text, Instant.now()));
        long messageId = messageIds.incrementAndGet();
        Optional<EmuCommand> typed = typedCommand(sandbox, bot, text);
        if (typed.isPresent()) {
            // A registered command typed as text: Bitrix24 sends the command event instead of the message.
            String rest = text.trim().substring(typed.get().command.length() + 1).trim();
            sendCommand(sandbox, bot, userId, typed.get().id, typed.get().command, rest, "TEXTAREA", messageId, service);
            return;
        }
        deliverMessage(sandbox, bot, userId, String.valueOf(userId), text, text, List.of(), messageId, service);
    }

    private void writeToTeam(SandboxPortal sandbox, long userId, String text, URI service) {
        List<BotInfo> bots = bots(sandbox);
        emulator.imbot().groupChat(sandbox.portal, TEAM_DIALOG, bots.stream().mapToLong(BotInfo::id).toArray());
        sandbox.lines.add(new UserLine(TEAM_CHAT, userId, text, Instant.now()));
        long messageId = messageIds.incrementAndGet();
        List<Long> mentioned = new ArrayList<>();
        Matcher mention = MENTION.matcher(text);
        StringBuilder original = new StringBuilder();
        while (mention.find()) {
            Optional<BotInfo> named = bots.stream().filter(b -> b.name().equalsIgnoreCase(mention.group(1))).findFirst();
            String replacement = named.map(b -> "[USER=" + b.id() + "]" + b.name() + "[/USER]").orElse(mention.group());
            named.ifPresent(b -> mentioned.add(b.id()));
            mention.appendReplacement(original, Matcher.quoteReplacement(replacement));
        }
        mention.appendTail(original);
        String plain = original.toString().replaceAll("(?i)\\[USER=[0-9]+]([^\\[]*)\\[/USER]\\s*,?", "").trim();
        List<String> reached = new ArrayList<>();
        for (BotInfo bot : bots) {
            if (mentioned.contains(bot.id()) || bot.seesEveryGroupMessage()) {
                reached.add(bot.name() + (mentioned.contains(bot.id()) ? " (mentioned)" : " (sees every message)"));
                deliverMessage(sandbox, bot, userId, TEAM_DIALOG, plain, original.toString(), mentioned, messageId, service);
            }
        }
        sandbox.log(reached.isEmpty()
                ? "The team chat message mentions no bot and no bot here sees every message: it reaches no bot"
                : "The team chat message goes to " + String.join(", ", reached), false);
    }

    /**
     * What Bitrix24 sends a bot for a new message: {@code text} as v1's MESSAGE (mentions taken out),
     * {@code original} with the mention marks (v1's MESSAGE_ORIGINAL, v2's text).
     */
    private void deliverMessage(SandboxPortal sandbox, BotInfo bot, long userId, String dialogId, String text, String original,
            List<Long> mentioned, long messageId, URI service) {
        boolean group = dialogId.startsWith("chat");
        long chatId = group ? Long.parseLong(dialogId.substring(4)) : userId;
        if (bot.api().equals("v1")) {
            Map<String, String> form = event("ONIMBOTMESSAGEADD", sandbox);
            form.put("auth[access_token]", emulator.issueTokens(sandbox.portal, userId).accessToken());
            form.put("auth[user_id]", String.valueOf(userId));
            String prefix = "data[BOT][" + bot.id() + "]";
            form.put(prefix + "[BOT_ID]", String.valueOf(bot.id()));
            form.put(prefix + "[BOT_CODE]", bot.code());
            botAuth(form, prefix, sandbox, bot.id());
            form.put(prefix + "[application_token]", sandbox.applicationToken);
            form.put("data[PARAMS][DIALOG_ID]", dialogId);
            form.put("data[PARAMS][MESSAGE]", text);
            form.put("data[PARAMS][MESSAGE_ORIGINAL]", original);
            form.put("data[PARAMS][MESSAGE_ID]", String.valueOf(messageId));
            form.put("data[PARAMS][FROM_USER_ID]", String.valueOf(userId));
            form.put("data[PARAMS][TO_USER_ID]", group ? String.valueOf(mentioned.isEmpty() ? 0 : mentioned.getFirst())
                    : String.valueOf(bot.id()));
            form.put("data[PARAMS][TO_CHAT_ID]", String.valueOf(chatId));
            form.put("data[PARAMS][MESSAGE_TYPE]", group ? "C" : "P");
            form.put("data[PARAMS][CHAT_TYPE]", group ? "C" : "P");
            mentioned.forEach(id -> form.put("data[PARAMS][MENTIONED_LIST][" + id + "]", String.valueOf(id)));
            form.put("data[PARAMS][LANGUAGE]", "en");
            form.put("data[USER][ID]", String.valueOf(userId));
            form.put("data[USER][NAME]", userName(userId));
            form.put("data[USER][IS_BOT]", "N");
            deliver(sandbox, bot.handler(), form, service);
        } else if (bot.mode().equals("webhook")) {
            Map<String, String> form = event("ONIMBOTV2MESSAGEADD", sandbox);
            form.put("data[bot][id]", String.valueOf(bot.id()));
            form.put("data[bot][code]", bot.code());
            botAuth(form, "data[bot][auth]", sandbox, bot.id());
            form.put("data[language]", "en");
            form.put("data[message][id]", String.valueOf(messageId));
            form.put("data[message][chatId]", String.valueOf(chatId));
            form.put("data[message][authorId]", String.valueOf(userId));
            form.put("data[message][text]", original);
            form.put("data[message][isSystem]", "0");
            form.put("data[chat][id]", String.valueOf(chatId));
            form.put("data[chat][dialogId]", dialogId);
            form.put("data[chat][type]", group ? "chat" : "private");
            form.put("data[user][id]", String.valueOf(userId));
            form.put("data[user][name]", userName(userId));
            form.put("data[user][bot]", "0");
            form.put("data[user][type]", "employee");
            deliver(sandbox, bot.handler(), form, service);
        } else {
            emulator.imbot().pushEvent(sandbox.portal, bot.id(), "ONIMBOTV2MESSAGEADD", Map.of(
                    "bot", Map.of("id", bot.id(), "code", bot.code()),
                    "message", Map.of("id", messageId, "chatId", chatId, "authorId", userId, "text", original, "isSystem", false),
                    "chat", Map.of("id", chatId, "dialogId", dialogId, "type", group ? "chat" : "private"),
                    "user", Map.of("id", userId, "name", userName(userId), "bot", false, "type", "employee"),
                    "language", "en"));
            sandbox.log("ONIMBOTV2MESSAGEADD queued for " + bot.name() + " (fetch mode: the service reads it with imbot.v2.Event.get)",
                    false);
        }
    }

    /**
     * {@code userId} presses a keyboard button under a bot's message. Buttons with {@code ACTION=SEND}
     * (or {@code PUT}) write their text as the user; {@code COMMAND} buttons send the bot the command
     * event ({@code ONIMCOMMANDADD} for v1 bots, {@code ONIMBOTV2COMMANDADD} for v2 bots).
     */
    public String press(SandboxPortal sandbox, long botId, long userId, long messageId, int index, URI service) {
        PostedMessage message = emulator.imbot().posted(sandbox.portal).stream()
                .filter(m -> m.id() == messageId && m.botId() == botId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No message " + messageId + " of bot " + botId));
        if (index < 0 || index >= message.buttons().size()) {
            throw new IllegalArgumentException("That message has no button " + index);
        }
        Map<String, Object> button = message.buttons().get(index);
        String action = str(button.get("ACTION"));
        if ((action.equals("SEND") || action.equals("PUT")) && !str(button.get("ACTION_VALUE")).isBlank()) {
            write(sandbox, message.dialogId().equals(TEAM_DIALOG) ? TEAM_CHAT : botId, userId, str(button.get("ACTION_VALUE")), service);
            return "sent";
        }
        String command = str(button.get("COMMAND"));
        if (command.isBlank()) {
            return "nothing to send";
        }
        BotInfo bot = bots(sandbox).stream().filter(b -> b.id() == botId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("This portal has no bot " + botId));
        String params = str(button.get("COMMAND_PARAMS"));
        long commandId = emulator.imbot().commands(sandbox.portal).stream()
                .filter(c -> c.botId == bot.id() && c.command.equalsIgnoreCase(command)).mapToLong(c -> c.id).findFirst()
                .orElse(bot.id());
        sendCommand(sandbox, bot, userId, commandId, command, params, "KEYBOARD", messageId, service);
        return "command";
    }

    /** The command a text starts with ({@code /help ...}), when the bot registered it in the portal. */
    private Optional<EmuCommand> typedCommand(SandboxPortal sandbox, BotInfo bot, String text) {
        String trimmed = text.trim();
        if (!trimmed.startsWith("/") || trimmed.length() < 2) {
            return Optional.empty();
        }
        String name = trimmed.substring(1).split("\\s+", 2)[0];
        return emulator.imbot().commands(sandbox.portal).stream()
                .filter(c -> c.botId == bot.id() && c.command.equalsIgnoreCase(name)).findFirst();
    }

    /** What Bitrix24 sends when a user runs a bot's command: typed ({@code TEXTAREA}) or a button ({@code KEYBOARD}). */
    private void sendCommand(SandboxPortal sandbox, BotInfo bot, long userId, long commandId, String command, String params,
            String context, long messageId, URI service) {
        emulator.imbot().commandRunIn(sandbox.portal, messageId, String.valueOf(userId));
        if (bot.api().equals("v1")) {
            Map<String, String> form = event("ONIMCOMMANDADD", sandbox);
            form.put("auth[access_token]", emulator.issueTokens(sandbox.portal, userId).accessToken());
            String prefix = "data[COMMAND][" + commandId + "]";
            botAuth(form, prefix, sandbox, bot.id());
            form.put(prefix + "[application_token]", sandbox.applicationToken);
            form.put(prefix + "[BOT_ID]", String.valueOf(bot.id()));
            form.put(prefix + "[BOT_CODE]", bot.code());
            form.put(prefix + "[COMMAND]", command);
            form.put(prefix + "[COMMAND_PARAMS]", params);
            form.put(prefix + "[COMMAND_ID]", String.valueOf(commandId));
            form.put(prefix + "[COMMAND_CONTEXT]", context);
            form.put(prefix + "[MESSAGE_ID]", String.valueOf(messageId));
            form.put("data[PARAMS][DIALOG_ID]", String.valueOf(userId));
            form.put("data[PARAMS][MESSAGE]", "/" + command + (params.isBlank() ? "" : " " + params));
            form.put("data[PARAMS][FROM_USER_ID]", String.valueOf(userId));
            form.put("data[USER][ID]", String.valueOf(userId));
            form.put("data[USER][NAME]", userName(userId));
            deliver(sandbox, bot.handler(), form, service);
        } else if (bot.mode().equals("webhook")) {
            Map<String, String> form = event("ONIMBOTV2COMMANDADD", sandbox);
            form.put("data[bot][id]", String.valueOf(bot.id()));
            form.put("data[bot][code]", bot.code());
            botAuth(form, "data[bot][auth]", sandbox, bot.id());
            form.put("data[command][command]", "/" + command);
            form.put("data[command][params]", params);
            form.put("data[command][id]", String.valueOf(commandId));
            form.put("data[command][context]", context.toLowerCase(Locale.ROOT));
            form.put("data[message][id]", String.valueOf(messageId));
            form.put("data[chat][dialogId]", String.valueOf(userId));
            form.put("data[user][id]", String.valueOf(userId));
            form.put("data[user][name]", userName(userId));
            deliver(sandbox, bot.handler(), form, service);
        } else {
            emulator.imbot().pushEvent(sandbox.portal, bot.id(), "ONIMBOTV2COMMANDADD", Map.of(
                    "bot", Map.of("id", bot.id(), "code", bot.code()),
                    "command", Map.of("id", commandId, "command", "/" + command, "params", params,
                            "context", context.toLowerCase(Locale.ROOT)),
                    "message", Map.of("id", messageId),
                    "chat", Map.of("dialogId", String.valueOf(userId)),
                    "user", Map.of("id", userId, "name", userName(userId), "bot", false, "type", "employee"),
                    "language", "en"));
            sandbox.log("ONIMBOTV2COMMANDADD /" + command + " queued for " + bot.name(), false);
        }
    }

    // ---- what goes wrong ---------------------------------------------------------------------

    public void expireTokens(SandboxPortal sandbox) {
        emulator.expireAccessTokens(sandbox.portal);
        sandbox.log("Every access token of the portal expired: the service must refresh before its next call", false);
    }

    public void rateLimit(SandboxPortal sandbox, boolean on) {
        sandbox.rateLimited = on;
        sandbox.portal.ratePerSecond = on ? 0.5 : -1;
        sandbox.portal.rateBurst = on ? 2 : -1;
        sandbox.log(on ? "Rate limit: 2 calls at once, then 1 every 2 s; more answer 503 QUERY_LIMIT_EXCEEDED"
                : "Rate limit lifted", false);
    }

    public void slow(SandboxPortal sandbox, boolean on) {
        sandbox.slow = on;
        sandbox.portal.latencyMillis = on ? 3000 : 0;
        sandbox.log(on ? "Slow portal: every REST call waits 3 s" : "Portal answers at once again", false);
    }

    public void failNextRegister(SandboxPortal sandbox) {
        emulator.failNext(sandbox.portal, "imbot.register", 1, 500, "INTERNAL_SERVER_ERROR");
        emulator.failNext(sandbox.portal, "imbot.v2.Bot.register", 1, 500, "INTERNAL_SERVER_ERROR");
        sandbox.log("The next imbot.register and imbot.v2.Bot.register calls answer 500 INTERNAL_SERVER_ERROR", false);
    }

    public void move(SandboxPortal sandbox) {
        emulator.movePortal(sandbox.portal);
        sandbox.moved = true;
        sandbox.log("Portal moved: its old REST address answers 302 to the new one", false);
    }

    /**
     * The administrator removes the app: Bitrix24 revokes its tokens and deletes its bots, then
     * sends {@code ONAPPUNINSTALL} (with {@code CLEAN=1} when "delete the app's data" was ticked)
     * to the handler the app bound.
     */
    public void uninstall(SandboxPortal sandbox, boolean clean, URI service) {
        emulator.uninstallApp(sandbox.portal);
        sandbox.installed = false;
        sandbox.log("App removed from the portal" + (clean ? " with its data (CLEAN=1)" : " (CLEAN=0)")
                + ": tokens revoked, bots deleted", false);
        String handler = emulator.imbot().boundEvents(sandbox.portal).stream()
                .filter(b -> "ONAPPUNINSTALL".equals(b.get("event"))).map(b -> String.valueOf(b.get("handler")))
                .findFirst().orElse(null);
        if (handler == null) {
            sandbox.log("The app never bound ONAPPUNINSTALL, so Bitrix24 tells it nothing", true);
            return;
        }
        Map<String, String> form = event("ONAPPUNINSTALL", sandbox);
        form.put("data[CLEAN]", clean ? "1" : "0");
        form.put("data[LANGUAGE_ID]", "en");
        deliver(sandbox, handler, form, service);
    }

    // ---- delivery ----------------------------------------------------------------------------

    private Map<String, String> event(String type, SandboxPortal sandbox) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("event", type);
        form.put("event_handler_id", "1");
        form.put("ts", String.valueOf(Instant.now().getEpochSecond()));
        form.put("auth[domain]", sandbox.portal.domain);
        form.put("auth[client_endpoint]", emulator.clientEndpoint(sandbox.portal));
        form.put("auth[server_endpoint]", emulator.oauthUrl() + "/rest/");
        form.put("auth[member_id]", sandbox.portal.memberId);
        form.put("auth[application_token]", sandbox.applicationToken);
        return form;
    }

    /** The bot's own token block, as Bitrix24 puts it in bot events: the token and where it comes from. */
    private void botAuth(Map<String, String> form, String prefix, SandboxPortal sandbox, long botId) {
        form.put(prefix + "[access_token]", emulator.issueTokens(sandbox.portal, botId).accessToken());
        form.put(prefix + "[expires_in]", "3600");
        form.put(prefix + "[expires]", String.valueOf(Instant.now().getEpochSecond() + 3600));
        form.put(prefix + "[scope]", "imbot");
        form.put(prefix + "[domain]", sandbox.portal.domain);
        form.put(prefix + "[server_endpoint]", emulator.oauthUrl() + "/rest/");
        form.put(prefix + "[client_endpoint]", emulator.clientEndpoint(sandbox.portal));
        form.put(prefix + "[member_id]", sandbox.portal.memberId);
        form.put(prefix + "[user_id]", String.valueOf(botId));
        form.put(prefix + "[client_id]", clientId);
    }

    /**
     * POSTs an event to a handler URL the app gave Bitrix24. It is sent to this server's own
     * address: a handler on b24.public-url (a tunnel, say) is this very service.
     */
    private void deliver(SandboxPortal sandbox, String handler, Map<String, String> form, URI service) {
        URI registered = URI.create(handler);
        URI target = service.resolve(registered.getRawPath() + (registered.getRawQuery() == null ? "" : "?" + registered.getRawQuery()));
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
        String event = form.get("event");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            String answer = response.body().length() > 200 ? response.body().substring(0, 200) + "…" : response.body();
            sandbox.log(event + " POSTed to " + registered.getRawPath() + ": " + response.statusCode() + " " + answer,
                    response.statusCode() >= 400);
        } catch (IOException e) {
            sandbox.log(event + " could not be delivered to " + registered.getRawPath() + ": " + e.getMessage(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String userName(long userId) {
        return userId == ADMIN ? "Anna Admin" : "Evan Employee";
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String str(Object value) {
        return value == null ? "" : String.valueOf(value);
    }
}
