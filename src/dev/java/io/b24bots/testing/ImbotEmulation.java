package io.b24bots.testing;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.bot.Bot;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.RestError;

/**
 * The chat-bot methods of the emulated portals: {@code imbot.register}, {@code imbot.bot.list},
 * {@code imbot.unregister}, {@code imbot.message.add} (v1) and {@code imbot.v2.Bot.register},
 * {@code .list}, {@code .unregister}, {@code imbot.v2.Chat.Message.send}, {@code imbot.v2.Event.get}.
 * It refuses what a portal refuses and answers what a portal answers: each rule names the Bitrix24 REST
 * page it comes from ({@code v1/…} for {@code api-reference/chat-bots/outdated/}, {@code v2/…} for
 * {@code api-reference/chat-bots/chat-bots-v2/}); where the pages are silent it follows the portal core,
 * and says so. docs/BITRIX24.md lists what the service relies on.
 * (v2), with the validation and error codes of the Bitrix24 pages.
 */
public final class ImbotEmulation {

    /** A bot as the portal knows it. */
    public static final class EmuBot {
        public final long id;
        public final String api;
        public final String appId;
        public final String code;
        public final Map<String, Object> params;
        public volatile boolean deleted;
        final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
        final AtomicLong nextEventId = new AtomicLong(1000);

        EmuBot(long id, String api, String appId, String code, Map<String, Object> params) {
            this.id = id;
            this.api = api;
            this.appId = appId;
            this.code = code;
            this.params = params;
        }
    }

    /** A message a bot sent. */
    public record SentMessage(long botId, String dialogId, String text, String api) {
    }

    /**
     * A message a bot sent, with its id and the keyboard buttons it carried ({@code KEYBOARD} of
     * {@code imbot.message.add}, {@code fields.keyboard} of {@code imbot.v2.Chat.Message.send}).
     */
    public record PostedMessage(long id, long botId, String dialogId, String text, String api,
            List<Map<String, Object>> buttons, Instant at) {
    }

    static final int V1_LIMIT = 5;
    static final int V2_LIMIT = 100;
    private static final Set<String> V2_TYPES = Set.of("bot", "network", "openline", "supervisor", "personal");

    private final String appId;
    private volatile boolean localhostHandlers;
    private final AtomicLong ids = new AtomicLong(500);
    private final Map<String, List<EmuBot>> bots = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> codesOfOtherApps = new ConcurrentHashMap<>();
    private final Map<String, List<SentMessage>> messages = new ConcurrentHashMap<>();
    private final Map<String, List<PostedMessage>> posted = new ConcurrentHashMap<>();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, List<Map<String, Object>>> bindings = new ConcurrentHashMap<>();
    private final Map<String, List<EmuCommand>> commands = new ConcurrentHashMap<>();
    private final Map<String, String> commandDialogs = new ConcurrentHashMap<>();
    private final Map<String, List<Map<String, Object>>> sentParams = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, EmuMessage>> sentById = new ConcurrentHashMap<>();
    /** Group chats a test or the sandbox made, with the bots in each; a chat not made here admits every bot. */
    private final Map<String, Set<Long>> chatBots = new ConcurrentHashMap<>();

    ImbotEmulation(Bitrix24Emulator emulator, String appId) {
        this.appId = appId;
        emulator.register("imbot.register", this::registerV1);
        emulator.register("imbot.bot.list", this::listV1);
        emulator.register("imbot.unregister", this::unregisterV1);
        emulator.register("imbot.message.add", this::messageAddV1);
        emulator.register("imbot.v2.Bot.register", this::registerV2);
        emulator.register("imbot.v2.Bot.list", this::listV2);
        emulator.register("imbot.v2.Bot.unregister", this::unregisterV2);
        emulator.register("imbot.v2.Bot.get", this::getV2);
        emulator.register("imbot.v2.Chat.Message.send", this::sendV2);
        emulator.register("imbot.v2.File.upload", this::fileUploadV2);
        emulator.register("imopenlines.bot.session.operator", (portal, userId, p) -> openLineSession(portal, p, "operator"));
        emulator.register("imopenlines.bot.session.finish", (portal, userId, p) -> openLineSession(portal, p, "finished"));
        emulator.register("imbot.v2.File.download", this::fileDownloadV2);
        emulator.register("imbot.v2.Event.get", this::eventGet);
        emulator.register("event.bind", this::eventBind);
        emulator.register("event.get", this::eventList);
        emulator.register("imbot.update", this::updateV1);
        emulator.register("imbot.v2.Bot.update", this::updateV2);
        emulator.register("imbot.command.register", this::commandRegisterV1);
        emulator.register("imbot.command.update", this::commandUpdateV1);
        emulator.register("imbot.command.unregister", this::commandUnregisterV1);
        emulator.register("imbot.command.answer", this::commandAnswerV1);
        emulator.register("imbot.v2.Command.register", this::commandRegisterV2);
        emulator.register("imbot.v2.Command.update", this::commandUpdateV2);
        emulator.register("imbot.v2.Command.unregister", this::commandUnregisterV2);
        emulator.register("imbot.v2.Command.answer", this::commandAnswerV2);
        emulator.register("imbot.v2.Command.list", this::commandListV2);
        emulator.register("imbot.message.update", this::messageUpdateV1);
        emulator.register("imbot.message.delete", this::messageDeleteV1);
        emulator.register("imbot.v2.Chat.Message.update", this::messageUpdateV2);
        emulator.register("imbot.v2.Chat.Message.delete", this::messageDeleteV2);
        emulator.register("imbot.chat.sendTyping", this::typingV1);
        emulator.register("imbot.v2.Chat.InputAction.notify", this::typingV2);
    }

    // ---- commands, updates, message edits (imbot.update, imbot.v2.Bot.update, the command and message methods) ----

    /** A command as the portal knows it. */
    public static final class EmuCommand {
        public final long id;
        public final long botId;
        public final String api;
        public final String appId;
        public volatile String command;
        public final Map<String, Object> params;
        public volatile boolean deleted;

        EmuCommand(long id, long botId, String api, String appId, String command, Map<String, Object> params) {
            this.id = id;
            this.botId = botId;
            this.api = api;
            this.appId = appId;
            this.command = command;
            this.params = new ConcurrentHashMap<>(params);
        }
    }

    /** A message a bot sent, as it is now (edited or deleted later). */
    public static final class EmuMessage {
        public final long id;
        public final long botId;
        public final String dialogId;
        public volatile String text;
        public volatile boolean deleted;
        public volatile Map<String, Object> params;

        EmuMessage(long id, long botId, String dialogId, String text, Map<String, Object> params) {
            this.id = id;
            this.botId = botId;
            this.dialogId = dialogId;
            this.text = text;
            this.params = params;
        }
    }

    /** A user ran a command in a dialog (message {@code messageId}): its v1 answer appears there. */
    public void commandRunIn(Portal portal, long messageId, String dialogId) {
        commandDialogs.put(portal.memberId + ":" + messageId, dialogId);
    }

    /** The live commands of the portal's bots. */
    public List<EmuCommand> commands(Portal portal) {
        return commands.getOrDefault(portal.memberId, List.of()).stream().filter(c -> !c.deleted).toList();
    }

    /** Every message sent, answered or edited, with all its parameters (ATTACH, KEYBOARD, replyId, …), in order. */
    public List<Map<String, Object>> sentParams(Portal portal) {
        return List.copyOf(sentParams.getOrDefault(portal.memberId, List.of()));
    }

    /** A bot's message as it is now, edited or deleted since, with the parameters it was last sent with. */
    public EmuMessage message(Portal portal, long id) {
        return sentById.getOrDefault(portal.memberId, Map.of()).get(id);
    }

    /**
     * A group chat ({@code chat<n>}) with only these bots in it: a bot outside it cannot write there
     * (v1 message.add: "Message isn't added"; v2 Chat.Message.send: ACCESS_DENIED "Bot is not a
     * participant in the chat"). A group chat never made here admits every bot, so a test that does not
     * care about membership need not make one.
     */
    public void groupChat(Portal portal, String dialogId, long... botIds) {
        Set<Long> members = ConcurrentHashMap.newKeySet();
        for (long id : botIds) {
            members.add(id);
        }
        chatBots.put(portal.memberId + ":" + dialogId, members);
    }

    private boolean inChat(Portal portal, String dialogId, long botId) {
        Set<Long> members = chatBots.get(portal.memberId + ":" + dialogId);
        return members == null || members.contains(botId);
    }

    /** A bot of another application in the portal (imbot.bot.list shows it; only its owner may change it). */
    public EmuBot addBotOfAnotherApp(Portal portal, String api, String code) {
        EmuBot bot = new EmuBot(ids.incrementAndGet(), api, "other.app", code, new LinkedHashMap<>(Map.of("CODE", code)));
        bots.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(bot);
        return bot;
    }

    /** A bot of this application registered in the portal earlier (e.g. by an older declaration). */
    public EmuBot addOwnBot(Portal portal, String api, String code, Map<String, Object> params) {
        EmuBot bot = new EmuBot(ids.incrementAndGet(), api, appId, code, new LinkedHashMap<>(params));
        bots.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(bot);
        return bot;
    }

    /** A command of this application's bot registered earlier (e.g. by an older declaration). */
    public EmuCommand addOwnCommand(Portal portal, long botId, String command) {
        EmuBot bot = bots(portal).stream().filter(b -> b.id == botId).findFirst().orElseThrow();
        return addCommand(portal, bot, command, Map.of());
    }

    /** The bot's properties now: what it was registered with, changed by every update since. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> properties(EmuBot bot) {
        Object props = bot.params.get(bot.api.equals("v1") ? "PROPERTIES" : "properties");
        return props instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** Keeps what a send carried under the message id {@link #post} gave it, for edits, deletes and tests. */
    private void record(Portal portal, long id, long botId, String dialogId, String text, Map<String, Object> p) {
        sentParams.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(p);
        sentById.computeIfAbsent(portal.memberId, k -> new ConcurrentHashMap<>()).put(id, new EmuMessage(id, botId, dialogId, text, p));
    }

    /** v1/bots/imbot-update.md: FIELDS takes these; "does not support changing TYPE and OPENLINE". */
    private static final Set<String> V1_UPDATE_FIELDS = Set.of("CODE", "EVENT_HANDLER", "EVENT_MESSAGE_ADD",
            "EVENT_MESSAGE_UPDATE", "EVENT_MESSAGE_DELETE", "EVENT_WELCOME_MESSAGE", "EVENT_BOT_DELETE", "PROPERTIES");

    @SuppressWarnings("unchecked")
    private Object updateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV1Bot(portal, p);
        Map<String, Object> fields = p.get("FIELDS") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        fields.keySet().retainAll(V1_UPDATE_FIELDS);
        if (fields.isEmpty()) {
            throw new RestError(400, "WRONG_REQUEST", "Update fields can't be empty");
        }
        for (String event : List.of("EVENT_HANDLER", "EVENT_MESSAGE_ADD", "EVENT_MESSAGE_UPDATE", "EVENT_MESSAGE_DELETE",
                "EVENT_WELCOME_MESSAGE", "EVENT_BOT_DELETE")) {
            if (fields.containsKey(event)) {
                requireUrl(fields, event, event, false);
            }
        }
        if (fields.get("PROPERTIES") instanceof Map<?, ?> given && given.containsKey("NAME") && given.containsKey("LAST_NAME")
                && str(given.get("NAME")).isBlank() && str(given.get("LAST_NAME")).isBlank()) {
            throw new RestError(400, "NAME_ERROR", "Bot name isn't specified");
        }
        if (fields.get("PROPERTIES") instanceof Map<?, ?> props) {
            Map<String, Object> merged = new LinkedHashMap<>(properties(bot));
            merged.putAll((Map<String, Object>) props);
            bot.params.put("PROPERTIES", merged);
        }
        fields.forEach((k, v) -> {
            if (!k.equals("PROPERTIES")) {
                bot.params.put(k, v);
            }
        });
        return true;
    }

    @SuppressWarnings("unchecked")
    private Object updateV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        Map<String, Object> fields = booleans(fields(p));
        // v2/imbot.v2/bots/bot-update.md lists no BOT_WEBHOOK_URL_REQUIRED: an update without a URL keeps the bot's.
        String mode = (fields.containsKey("eventMode") ? str(fields.get("eventMode"))
                : str(bot.params.getOrDefault("eventMode", "fetch"))).toLowerCase(Locale.ROOT);
        if (!mode.equals("fetch") && !mode.equals("webhook")) {
            throw new RestError(400, "BOT_INVALID_EVENT_MODE", "Invalid event mode");
        }
        if (fields.containsKey("eventMode")) {
            fields.put("eventMode", mode);
        }
        if (fields.containsKey("webhookUrl") && !handlerUrl(str(fields.get("webhookUrl")))) {
            throw new RestError(400, "BOT_INVALID_CALLBACK", "Wrong handler URL");
        }
        if (fields.get("properties") instanceof Map<?, ?> props) {
            if (props.containsKey("avatar") && !looksLikeImage(str(props.get("avatar")))) {
                throw new RestError(400, "BOT_AVATAR_INCORRECT_TYPE", "Avatar must be an image");
            }
            Map<String, Object> merged = new LinkedHashMap<>(properties(bot));
            merged.putAll((Map<String, Object>) props);
            bot.params.put("properties", merged);
        }
        fields.forEach((k, v) -> {
            if (!k.equals("properties")) {
                bot.params.put(k, v);
            }
        });
        return Map.of("bot", botObject(bot));
    }

    private EmuCommand command(Portal portal, long id, String error) {
        return commands.getOrDefault(portal.memberId, List.of()).stream().filter(c -> c.id == id && !c.deleted).findFirst()
                .orElseThrow(() -> new RestError(400, error, "Command not found"));
    }

    /** Idempotent per bot and command (v2/imbot.v2/commands/command-register.md): the existing command, unchanged. */
    private synchronized EmuCommand addCommand(Portal portal, EmuBot bot, String command, Map<String, Object> params) {
        for (EmuCommand c : commands(portal)) {
            if (c.botId == bot.id && c.command.equals(command.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        EmuCommand c = new EmuCommand(ids.incrementAndGet(), bot.id, bot.api, appId, command.toLowerCase(Locale.ROOT), params);
        commands.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(c);
        return c;
    }

    private Object commandRegisterV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV1Bot(portal, p);
        requireUrl(p, "EVENT_COMMAND_ADD", "Command add", true);
        // v1/commands/imbot-command-register.md: COMMAND is required; LANG is required, "Lang set can't be empty".
        if (str(p.get("COMMAND")).isBlank()) {
            throw new RestError(400, "COMMAND_ERROR", "Command isn't specified");
        }
        if (!(p.get("LANG") instanceof List<?> lang) || lang.isEmpty()) {
            throw new RestError(400, "LANG_ERROR", "Lang set can't be empty");
        }
        return addCommand(portal, bot, str(p.get("COMMAND")), p).id;
    }

    /**
     * v1/commands/imbot-command-update.md: FIELDS takes COMMAND, EVENT_COMMAND_ADD, HIDDEN,
     * EXTRANET_SUPPORT and LANG; the core applies HIDDEN, EXTRANET_SUPPORT, LANG (the whole set, replaced)
     * and the handler URL, and ignores anything else, COMMON among it and COMMAND too.
     */
    @SuppressWarnings("unchecked")
    private Object commandUpdateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = ownV1Command(portal, p);
        Map<String, Object> fields = p.get("FIELDS") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> applied = new LinkedHashMap<>();
        for (String key : List.of("HIDDEN", "EXTRANET_SUPPORT", "EVENT_COMMAND_ADD")) {
            if (fields.containsKey(key)) {
                applied.put(key, fields.get(key));
            }
        }
        if (fields.get("LANG") instanceof List<?> lang && !lang.isEmpty()) {
            applied.put("LANG", lang);
        }
        if (applied.isEmpty()) {
            throw new RestError(400, "WRONG_REQUEST", "Update fields can't be empty");
        }
        if (applied.containsKey("EVENT_COMMAND_ADD")) {
            requireUrl(applied, "EVENT_COMMAND_ADD", "Command add", false);
        }
        c.params.putAll(applied);
        return true;
    }

    private Object commandUnregisterV1(Portal portal, long userId, Map<String, Object> p) {
        ownV1Command(portal, p).deleted = true;
        return true;
    }

    /** v1/commands/imbot-command-answer.md: MESSAGE_EMPTY "Message text not provided", attachments or not. */
    private Object commandAnswerV1(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = ownV1Command(portal, p);
        if (num(p.get("MESSAGE_ID")) <= 0) {
            throw new RestError(400, "MESSAGE_ID_EMPTY", "Message ID can't be empty");
        }
        String text = str(p.get("MESSAGE")).trim();
        if (text.isEmpty()) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message can't be empty");
        }
        // The answer goes to the chat the command was run in; a test that did not say which sees "command:<message id>".
        String dialog = commandDialogs.getOrDefault(portal.memberId + ":" + num(p.get("MESSAGE_ID")),
                "command:" + num(p.get("MESSAGE_ID")));
        long id = post(portal, byId(portal, c.botId), dialog, text, "v1", p.get("KEYBOARD"));
        record(portal, id, c.botId, null, text, p);
        return id;
    }

    /** A v1 command of this application, else COMMAND_ID_ERROR, or APP_ID_ERROR "Command was installed by another rest application". */
    private EmuCommand ownV1Command(Portal portal, Map<String, Object> p) {
        EmuCommand c = command(portal, num(p.get("COMMAND_ID")), "COMMAND_ID_ERROR");
        if (!c.appId.equals(appId)) {
            throw new RestError(400, "APP_ID_ERROR", "Command was installed by another rest application");
        }
        return c;
    }

    /**
     * v2/imbot.v2/commands/command-register.md: COMMAND_REQUIRED for an empty name (a leading "/" is
     * dropped), COMMAND_NAME_INVALID for one that is not a string, COMMAND_TITLE_REQUIRED for a visible
     * command without a title; titles and params are per language, params kept only where a title is.
     */
    private Object commandRegisterV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        Map<String, Object> fields = booleans(fields(p));
        Object name = fields.get("command");
        if (name != null && !(name instanceof String)) {
            throw new RestError(400, "COMMAND_NAME_INVALID", "Command name must be a string");
        }
        String command = str(name).startsWith("/") ? str(name).substring(1) : str(name);
        if (command.isBlank()) {
            throw new RestError(400, "COMMAND_REQUIRED", "Command is required");
        }
        Map<String, Object> titles = languages(fields.get("title"));
        if (!Boolean.TRUE.equals(fields.get("hidden")) && titles.isEmpty()) {
            throw new RestError(400, "COMMAND_TITLE_REQUIRED", "Title is required for a visible command");
        }
        fields.put("title", titles);
        fields.put("params", onlyTitled(languages(fields.get("params")), titles));
        EmuCommand c = addCommand(portal, bot, command, fields);
        return Map.of("command", Map.of("id", c.id, "botId", bot.id, "command", "/" + c.command));
    }

    /**
     * v2/imbot.v2/commands/command-update.md: in {@code title} a string updates the language's text,
     * {@code null} removes the language, and a language not named keeps its text; {@code params} apply
     * only to the languages in {@code title}.
     */
    @SuppressWarnings("unchecked")
    private Object commandUpdateV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        EmuCommand c = command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND");
        if (c.botId != bot.id) {
            throw new RestError(400, "COMMAND_NOT_FOUND", "Command not found");
        }
        Map<String, Object> fields = booleans(fields(p));
        Map<String, Object> titles = new LinkedHashMap<>(languages(c.params.get("title")));
        Map<String, Object> params = new LinkedHashMap<>(languages(c.params.get("params")));
        if (fields.get("title") instanceof Map<?, ?> given) {
            ((Map<String, Object>) given).forEach((language, text) -> {
                if (text == null) {
                    titles.remove(language);
                    params.remove(language);
                } else {
                    titles.put(language, text);
                }
            });
        }
        if (fields.get("params") instanceof Map<?, ?> given && fields.get("title") instanceof Map<?, ?> named) {
            ((Map<String, Object>) given).forEach((language, text) -> {
                if (named.containsKey(language) && named.get(language) != null) {
                    params.put(language, text);
                }
            });
        }
        fields.forEach((key, value) -> {
            if (!key.equals("title") && !key.equals("params") && !key.equals("command")) {
                c.params.put(key, value);
            }
        });
        c.params.put("title", titles);
        c.params.put("params", params);
        return Map.of("command", Map.of("id", c.id, "botId", c.botId, "command", "/" + c.command));
    }

    private Object commandUnregisterV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        EmuCommand c = command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND");
        if (c.botId != bot.id) {
            throw new RestError(400, "COMMAND_NOT_FOUND", "Command not found");
        }
        c.deleted = true;
        return Map.of("result", true);
    }

    private Object commandListV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        return Map.of("commands", commands(portal).stream().filter(c -> c.botId == bot.id)
                .map(c -> Map.of("id", c.id, "botId", c.botId, "command", "/" + c.command)).toList());
    }

    /**
     * v2/imbot.v2/commands/command-answer.md answers {@code true} (no message id); the controller has no
     * empty-text check of its own, the send behind it refuses a message with neither text nor attachment,
     * which the page reports as COMMAND_ANSWER_FAILED.
     */
    private Object commandAnswerV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        EmuCommand c = command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND");
        if (c.botId != bot.id) {
            throw new RestError(400, "COMMAND_NOT_FOUND", "Command not found");
        }
        Map<String, Object> fields = fields(p);
        String text = str(fields.get("message"));
        if (text.isBlank() && !hasAttach(fields.get("attach"))) {
            throw new RestError(400, "COMMAND_ANSWER_FAILED", "Empty message — no text or attachments");
        }
        long id = post(portal, bot, str(p.get("dialogId")), text, "v2", fields.get("keyboard"));
        record(portal, id, c.botId, str(p.get("dialogId")), text, p);
        return true;
    }

    private EmuMessage ownMessage(Portal portal, long botId, long messageId, String error) {
        EmuMessage m = sentById.getOrDefault(portal.memberId, Map.of()).get(messageId);
        if (m == null || m.deleted || m.botId != botId) {
            throw new RestError(400, error, error.equals("ACCESS_DENIED")
                    ? "Message does not belong to the bot or does not exist" : "Message not found");
        }
        return m;
    }

    /**
     * v1/messages/imbot-message-update.md: MESSAGE "If an empty value is provided, the message will be
     * deleted. If the parameter is not provided, the message text will remain unchanged"; ATTACH and
     * KEYBOARD: "An empty value or N" clears them, a parameter not given keeps them.
     */
    private Object messageUpdateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV1Bot(portal, p);
        EmuMessage m = ownMessage(portal, bot.id, num(p.get("MESSAGE_ID")), "CANT_EDIT_MESSAGE");
        Map<String, Object> now = new LinkedHashMap<>(m.params);
        if (p.containsKey("MESSAGE")) {
            if (str(p.get("MESSAGE")).trim().isEmpty()) {
                m.deleted = true;
                return true;
            }
            m.text = str(p.get("MESSAGE"));
            now.put("MESSAGE", p.get("MESSAGE"));
        }
        for (String key : List.of("ATTACH", "KEYBOARD", "MENU", "URL_PREVIEW")) {
            if (p.containsKey(key)) {
                if (cleared(p.get(key))) {
                    now.remove(key);
                } else {
                    now.put(key, p.get(key));
                }
            }
        }
        m.params = now;
        return true;
    }

    private Object messageDeleteV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV1Bot(portal, p);
        ownMessage(portal, bot.id, num(p.get("MESSAGE_ID")), "CANT_EDIT_MESSAGE").deleted = true;
        return true;
    }

    /**
     * v2/imbot.v2/messages/chat-message-update.md: ACCESS_DENIED "Message does not belong to the bot or
     * does not exist"; keyboard: "To remove the keyboard, pass N"; a field not given keeps its value.
     * The page is silent on removing an attachment and on an empty update: the core clears attachments
     * for "N" or an empty list, and deletes a message left with no text, attachment or keyboard.
     */
    private Object messageUpdateV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        EmuMessage m = ownMessage(portal, bot.id, num(p.get("messageId")), "ACCESS_DENIED");
        Map<String, Object> fields = fields(p);
        Map<String, Object> now = new LinkedHashMap<>(fields(m.params));
        if (fields.containsKey("message")) {
            now.put("message", fields.get("message"));
        }
        for (String key : List.of("attach", "keyboard", "urlPreview")) {
            if (fields.containsKey(key)) {
                if (cleared(fields.get(key))) {
                    now.remove(key);
                } else {
                    now.put(key, fields.get(key));
                }
            }
        }
        if (str(now.get("message")).isBlank() && !now.containsKey("attach") && !now.containsKey("keyboard")) {
            m.deleted = true;
            return Map.of("result", true);
        }
        m.text = str(now.get("message"));
        Map<String, Object> params = new LinkedHashMap<>(p);
        params.put("fields", now);
        m.params = params;
        return Map.of("result", true);
    }

    private Object messageDeleteV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        ownMessage(portal, bot.id, num(p.get("messageId")), "ACCESS_DENIED").deleted = true;
        return Map.of("result", true);
    }

    /** v1/chats/imbot-chat-send-typing.md: DIALOG_ID_EMPTY. */
    private Object typingV1(Portal portal, long userId, Map<String, Object> p) {
        ownV1Bot(portal, p);
        if (str(p.get("DIALOG_ID")).isEmpty()) {
            throw new RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty");
        }
        return true;
    }

    /** v2/imbot.v2/ui/chat-input-action-notify.md: ACCESS_DENIED when the bot cannot act in the chat. */
    private Object typingV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        String dialog = str(p.get("dialogId"));
        if (dialog.isEmpty() || !inChat(portal, dialog, bot.id)) {
            throw new RestError(403, "ACCESS_DENIED", "Bot is not a participant in the chat");
        }
        return Map.of("result", true);
    }

    /** The app's event handlers bound in the portal, as {@code event.get} lists them. */
    /** events/event-bind.md: "When an application is deleted or updated, its actions will be removed." */
    void dropBindings(Portal portal) {
        bindings.remove(portal.memberId);
    }

    public List<Map<String, Object>> boundEvents(Portal portal) {
        return List.copyOf(bindings.getOrDefault(portal.memberId, List.of()));
    }

    /**
     * api-reference/events/event-bind.md: ERROR_EVENT_NOT_FOUND for an unknown event. The page is silent on
     * a bad handler and on a second binding: the core answers ERROR_UNSUPPORTED_PROTOCOL (not http/https),
     * ERROR_WRONG_HANDLER_URL (no dotted host) and ERROR_CORE "Unable to set event handler: Handler already binded".
     */
    private Object eventBind(Portal portal, long userId, Map<String, Object> p) {
        String event = str(p.get("event")).toUpperCase(Locale.ROOT);
        String handler = str(p.get("handler"));
        if (!Set.of("ONAPPUNINSTALL", "ONAPPUPDATE", "ONAPPINSTALL", "ONIMBOTMESSAGEADD").contains(event)) {
            throw new RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found");
        }
        String scheme = handler.contains("://") ? handler.substring(0, handler.indexOf("://")).toLowerCase(java.util.Locale.ROOT) : "";
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new RestError(400, "ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol");
        }
        if (!handlerUrl(handler)) {
            throw new RestError(400, "ERROR_WRONG_HANDLER_URL", "Wrong handler URL");
        }
        synchronized (this) {
            List<Map<String, Object>> list = bindings.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>());
            if (list.stream().anyMatch(b -> b.get("event").equals(event) && b.get("handler").equals(handler))) {
                throw new RestError(400, "ERROR_CORE", "Unable to set event handler: Handler already binded");
            }
            list.add(Map.of("event", event, "handler", handler, "auth_type", "0", "offline", 0));
        }
        return true;
    }

    private Object eventList(Portal portal, long userId, Map<String, Object> p) {
        return boundEvents(portal);
    }

    // ---- for tests -----------------------------------------------------------------------------

    public List<EmuBot> bots(Portal portal) {
        return List.copyOf(bots.getOrDefault(portal.memberId, List.of()));
    }

    public List<EmuBot> liveBots(Portal portal, String code) {
        return bots(portal).stream().filter(b -> !b.deleted && b.code.equals(code)).toList();
    }

    /** The text of every message bots sent in the portal, oldest first (edits are not sends). */
    public List<SentMessage> messages(Portal portal) {
        return List.copyOf(messages.getOrDefault(portal.memberId, List.of()));
    }

    /** The messages bots sent in the portal, with ids and keyboards, oldest first. */
    public List<PostedMessage> posted(Portal portal) {
        return List.copyOf(posted.getOrDefault(portal.memberId, List.of()));
    }

    private long post(Portal portal, EmuBot bot, String dialog, String text, String api, Object keyboard) {
        long id = ids.incrementAndGet();
        messages.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(new SentMessage(bot.id, dialog, text, api));
        posted.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>())
                .add(new PostedMessage(id, bot.id, dialog, text, api, buttons(keyboard), Instant.now()));
        return id;
    }

    /** The buttons of a keyboard in any of its accepted forms: JSON text, {BUTTONS: [...]}, or [...]. */
    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> buttons(Object keyboard) {
        Object value = keyboard;
        if (value instanceof String text) {
            if (text.isBlank() || text.equals("N")) {
                return List.of();
            }
            try {
                value = json.readValue(text, Object.class);
            } catch (IOException e) {
                throw new RestError(400, "KEYBOARD_ERROR", "Keyboard is not valid JSON");
            }
        }
        if (value instanceof Map<?, ?> map) {
            value = map.get("BUTTONS");
        }
        if (!(value instanceof List<?> list)) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object button : list) {
            if (button instanceof Map<?, ?> b) {
                out.add(Collections.unmodifiableMap(new LinkedHashMap<>((Map<String, Object>) b)));
            }
        }
        return List.copyOf(out);
    }

    /** Another application already owns this code in the portal. */
    public void takeCodeByAnotherApp(Portal portal, String code) {
        codesOfOtherApps.computeIfAbsent(portal.memberId, k -> ConcurrentHashMap.newKeySet()).add(code);
    }

    /** Bitrix24 deletes the app's bots, as on uninstall. */
    public void deleteAll(Portal portal) {
        bots(portal).forEach(b -> b.deleted = true);
    }

    /** Puts an event in a fetch-mode bot's queue; returns its eventId. */
    public long pushEvent(Portal portal, long botId, String type, Map<String, Object> data) {
        EmuBot bot = byId(portal, botId);
        long id = bot.nextEventId.getAndIncrement();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventId", id);
        event.put("type", type);
        event.put("date", OffsetDateTime.now().toString());
        event.put("data", data);
        bot.events.add(event);
        return id;
    }

    // ---- v1 ------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Object registerV1(Portal portal, long userId, Map<String, Object> p) {
        String code = str(p.get("CODE"));
        if (code.isEmpty()) {
            throw new RestError(400, "CODE_ERROR", "Bot code isn't specified");
        }
        requireUrl(p, "EVENT_MESSAGE_ADD", "Message add", true);
        requireUrl(p, "EVENT_WELCOME_MESSAGE", "Welcome message", true);
        requireUrl(p, "EVENT_BOT_DELETE", "Bot delete", true);
        requireUrl(p, "EVENT_MESSAGE_UPDATE", "Message update", false);
        requireUrl(p, "EVENT_MESSAGE_DELETE", "Message delete", false);
        Map<String, Object> properties = p.get("PROPERTIES") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (str(properties.get("NAME")).isEmpty() && str(properties.get("LAST_NAME")).isEmpty()) {
            throw new RestError(400, "NAME_ERROR", "Bot name isn't specified");
        }
        synchronized (this) {
            for (EmuBot bot : bots(portal)) {
                // The core's Bot::register deduplicates by CODE alone, ignoring the application: the same
                // CODE answers the existing bot's id, even one another app owns (v1/bots/imbot-register.md:
                // CODE is "unique within Bitrix24"). imbot.update then tells the owner (APP_ID_ERROR).
                if (!bot.deleted && bot.code.equals(code)) {
                    return bot.id;
                }
            }
            long count = bots(portal).stream().filter(b -> !b.deleted && b.api.equals("v1") && b.appId.equals(appId)).count();
            if (count >= V1_LIMIT) {
                throw new RestError(400, "MAX_COUNT_ERROR", "Has reached the maximum number of bots for application (max: 5)");
            }
            EmuBot bot = new EmuBot(ids.incrementAndGet(), "v1", appId, code, p);
            bots.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(bot);
            return bot.id;
        }
    }

    private Object listV1(Portal portal, long userId, Map<String, Object> p) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (EmuBot bot : bots(portal)) {
            if (!bot.deleted) {
                result.put(String.valueOf(bot.id), Map.of("ID", bot.id, "NAME", bot.code, "CODE", bot.code, "OPENLINE", "N"));
            }
        }
        return result;
    }

    private Object unregisterV1(Portal portal, long userId, Map<String, Object> p) {
        ownV1Bot(portal, p).deleted = true;
        return true;
    }

    /**
     * v1/messages/imbot-message-add.md: MESSAGE is required ("MESSAGE_EMPTY: No message text was
     * provided", attachments or not), DIALOG_ID_EMPTY; a group chat the bot is not in gets the core's
     * WRONG_REQUEST "Message isn't added".
     */
    private Object messageAddV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV1Bot(portal, p);
        String dialog = str(p.get("DIALOG_ID"));
        if (dialog.isEmpty()) {
            throw new RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty");
        }
        String text = str(p.get("MESSAGE")).trim();
        if (text.isEmpty()) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message can't be empty");
        }
        if (!inChat(portal, dialog, bot.id)) {
            throw new RestError(400, "WRONG_REQUEST", "Message isn't added");
        }
        long id = post(portal, bot, dialog, text, "v1", p.get("KEYBOARD"));
        record(portal, id, bot.id, dialog, text, p);
        return id;
    }

    // ---- v2 ------------------------------------------------------------------------------------

    /**
     * v2/imbot.v2/bots/bot-register.md. Idempotent per code and application: the core first looks the
     * code up among every REST bot of the portal, v1 ones too; this app's bot comes back as it is,
     * another app's code is BOT_CODE_ALREADY_TAKEN.
     */
    @SuppressWarnings("unchecked")
    private Object registerV2(Portal portal, long userId, Map<String, Object> p) {
        Map<String, Object> fields = booleans(fields(p));
        String code = str(fields.get("code"));
        if (code.isEmpty()) {
            throw new RestError(400, "BOT_CODE_REQUIRED", "Bot code is required");
        }
        Map<String, Object> properties = fields.get("properties") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (str(properties.get("name")).isEmpty()) {
            throw new RestError(400, "BOT_PROPERTIES_REQUIRED", "Bot properties are required");
        }
        String type = fields.containsKey("type") ? str(fields.get("type")) : "bot";
        if (!V2_TYPES.contains(type)) {
            throw new RestError(400, "BOT_INVALID_TYPE", "Invalid bot type");
        }
        String mode = (fields.containsKey("eventMode") ? str(fields.get("eventMode")) : "fetch").toLowerCase(Locale.ROOT);
        if (!mode.equals("fetch") && !mode.equals("webhook")) {
            throw new RestError(400, "BOT_INVALID_EVENT_MODE", "Invalid event mode");
        }
        fields.put("eventMode", mode);
        if (mode.equals("webhook")) {
            String url = str(fields.get("webhookUrl"));
            if (url.isEmpty()) {
                throw new RestError(400, "BOT_WEBHOOK_URL_REQUIRED", "Webhook URL is required");
            }
            if (!handlerUrl(url)) {
                throw new RestError(400, "BOT_INVALID_CALLBACK", "Wrong handler URL");
            }
        }
        if (properties.containsKey("avatar") && !looksLikeImage(str(properties.get("avatar")))) {
            throw new RestError(400, "BOT_AVATAR_INCORRECT_TYPE", "Avatar must be an image");
        }
        if (codesOfOtherApps.getOrDefault(portal.memberId, Set.of()).contains(code)) {
            throw new RestError(400, "BOT_CODE_ALREADY_TAKEN", "Bot code is already taken");
        }
        synchronized (this) {
            for (EmuBot bot : bots(portal)) {
                if (!bot.deleted && bot.code.equals(code)) {
                    if (!bot.appId.equals(appId)) {
                        throw new RestError(400, "BOT_CODE_ALREADY_TAKEN", "Bot code is already taken by another application");
                    }
                    // Idempotent: the existing bot, unchanged.
                    return Map.of("bot", botObject(bot), "users", List.of());
                }
            }
            long count = bots(portal).stream().filter(b -> !b.deleted && b.api.equals("v2") && b.appId.equals(appId)).count();
            if (count >= V2_LIMIT) {
                throw new RestError(400, "BOT_LIMIT_EXCEEDED", "Bot limit exceeded");
            }
            EmuBot bot = new EmuBot(ids.incrementAndGet(), "v2", appId, code, fields);
            bots.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(bot);
            return Map.of("bot", botObject(bot), "users", List.of(Map.of("id", bot.id, "name", properties.get("name"),
                    "bot", true, "type", "bot")));
        }
    }

    /**
     * v2/imbot.v2/bots/bot-list.md: the app's own bots, "Bots registered through v1 are visible in v2"
     * (v2 index); {@code limit} (default 50) and {@code offset}, {@code filter.type}; hasNextPage when the
     * page is full, as the core has it.
     */
    @SuppressWarnings("unchecked")
    private Object listV2(Portal portal, long userId, Map<String, Object> p) {
        int limit = p.containsKey("limit") ? (int) Math.clamp(num(p.get("limit")), 1, 1000) : 50;
        long offset = Math.max(0, num(p.get("offset")));
        String type = p.get("filter") instanceof Map<?, ?> filter ? str(((Map<String, Object>) filter).get("type")) : "";
        List<Object> list = new ArrayList<>();
        for (EmuBot bot : bots(portal)) {
            if (!bot.deleted && bot.appId.equals(appId) && (type.isEmpty() || type.equals(botObject(bot).get("type")))) {
                list.add(botObject(bot));
            }
        }
        List<Object> page = list.stream().skip(offset).limit(limit).toList();
        return Map.of("bots", page, "users", List.of(), "hasNextPage", page.size() == limit);
    }

    /**
     * v2/imbot.v2/bots/bot-get.md: by botId or code (PARAMS_REQUIRED without either); "For the owner
     * application, it returns an extended format including moduleId, eventMode, and counters. For other
     * applications, it returns a brief format."
     */
    private Object getV2(Portal portal, long userId, Map<String, Object> p) {
        if (!p.containsKey("botId") && !p.containsKey("code")) {
            throw new RestError(400, "PARAMS_REQUIRED", "botId or code is required");
        }
        EmuBot bot = p.containsKey("botId") ? liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND")
                : bots(portal).stream().filter(b -> !b.deleted && b.code.equals(str(p.get("code")))).findFirst()
                        .orElseThrow(() -> new RestError(400, "BOT_NOT_FOUND", "Bot not found"));
        Map<String, Object> object = botObject(bot);
        if (!bot.appId.equals(appId)) {
            object.keySet().removeAll(Set.of("moduleId", "eventMode", "countMessage", "countCommand", "countChat", "countUser"));
        }
        return Map.of("bot", object);
    }

    private Object unregisterV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        bot.deleted = true;
        return Map.of("result", true);
    }

    /**
     * v2/imbot.v2/messages/chat-message-send.md: EMPTY_MESSAGE "Empty message — no text or attachments"
     * (an attachment alone is a message), ACCESS_DENIED "Bot is not a participant in the chat".
     */
    private Object sendV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        String dialog = str(p.get("dialogId"));
        if (dialog.isEmpty() || !inChat(portal, dialog, bot.id)) {
            throw new RestError(403, "ACCESS_DENIED", "Bot is not a participant in the chat");
        }
        Map<String, Object> fields = fields(p);
        String text = str(fields.get("message"));
        if (text.isBlank() && !hasAttach(fields.get("attach"))) {
            throw new RestError(400, "EMPTY_MESSAGE", "Empty message — no text or attachments");
        }
        long id = post(portal, bot, dialog, text, "v2", fields.get("keyboard"));
        record(portal, id, bot.id, dialog, text, p);
        return Map.of("id", id, "uuidMap", Map.of());
    }

    private final Map<String, String> openLines = new ConcurrentHashMap<>();

    /** Makes {@code chatId} an open line's chat served by the portal's bots; its session is "bot" until a call changes it. */
    public void openLine(Portal portal, long chatId) {
        openLines.put(portal.memberId + ":" + chatId, "bot");
    }

    /** Where the open line's session stands: "bot", "operator" (handed over) or "finished"; null for no open line. */
    public String openLineSession(Portal portal, long chatId) {
        return openLines.get(portal.memberId + ":" + chatId);
    }

    /**
     * imopenlines.bot.session.operator / .finish (the open lines pages): CHAT_ID is required (CHAT_ID_EMPTY), and
     * the chat must be an open line under the bot (WRONG_CHAT "the chat is not under the bot's control").
     */
    private Object openLineSession(Portal portal, Map<String, Object> p, String state) {
        long chatId = num(p.get("CHAT_ID"));
        if (chatId <= 0) {
            throw new RestError(400, "CHAT_ID_EMPTY", "Chat ID can't be empty");
        }
        String key = portal.memberId + ":" + chatId;
        if (!"bot".equals(openLines.get(key))) {
            throw new RestError(400, "WRONG_CHAT", "The chat is not under the bot's control");
        }
        openLines.put(key, state);
        return true;
    }

    /** A file a bot sent or a user was given: what imbot.v2.File.upload stored. */
    public record EmuFile(long id, long botId, String dialogId, String name, byte[] content) {
    }

    private final Map<String, List<EmuFile>> files = new ConcurrentHashMap<>();

    /** The files bots of the portal uploaded, oldest first. */
    public List<EmuFile> files(Portal portal) {
        return List.copyOf(files.getOrDefault(portal.memberId, List.of()));
    }

    /** A file a user sent, for a test to reference by its id in an event. */
    public EmuFile userFile(Portal portal, String name, byte[] content) {
        EmuFile file = new EmuFile(ids.incrementAndGet(), 0, "", name, content);
        files.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(file);
        return file;
    }

    /**
     * v2/imbot.v2/files/file-upload.md: {@code fields.name} (with its extension) and {@code fields.content}
     * in Base64 are required (FILE_EMPTY), the content valid Base64 (FILE_INVALID_CONTENT) of at most 100 MB
     * (FILE_TOO_LARGE); the bot must be in the chat. The file goes out as a message, with the optional text.
     */
    private Object fileUploadV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        String dialog = str(p.get("dialogId"));
        if (dialog.isEmpty() || !inChat(portal, dialog, bot.id)) {
            throw new RestError(403, "ACCESS_DENIED", "Bot is not a participant in the chat");
        }
        Map<String, Object> fields = fields(p);
        String name = str(fields.get("name"));
        String content = str(fields.get("content"));
        if (name.isBlank() || content.isBlank()) {
            throw new RestError(400, "FILE_EMPTY", "File name or content is empty");
        }
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(content);
        } catch (IllegalArgumentException e) {
            throw new RestError(400, "FILE_INVALID_CONTENT", "Invalid base64 content");
        }
        if (bytes.length > 100L * 1024 * 1024) {
            throw new RestError(400, "FILE_TOO_LARGE", "File is too large");
        }
        EmuFile file = new EmuFile(ids.incrementAndGet(), bot.id, dialog, name, bytes);
        files.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(file);
        String text = str(fields.get("message"));
        long messageId = post(portal, bot, dialog, text.isBlank() ? "[file " + name + "]" : text, "v2", null);
        record(portal, messageId, bot.id, dialog, text, p);
        String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT) : "";
        return Map.of("file", Map.of("id", file.id(), "chatId", 0, "name", name, "extension", extension, "size", bytes.length),
                "messageId", messageId, "chatId", 0, "dialogId", dialog);
    }

    /** v2/imbot.v2/files/file-download.md: a one-time link for a file of the portal; FILE_NOT_FOUND otherwise. */
    private Object fileDownloadV2(Portal portal, long userId, Map<String, Object> p) {
        ownV2Bot(portal, p);
        long id = num(p.get("fileId"));
        EmuFile file = files.getOrDefault(portal.memberId, List.of()).stream().filter(f -> f.id() == id).findFirst()
                .orElseThrow(() -> new RestError(404, "FILE_NOT_FOUND", "File not found"));
        return Map.of("downloadUrl", "https://" + portal.domain + "/rest/download.json?token=imbot%7C" + file.id() + "x"
                + Long.toHexString(System.nanoTime()));
    }

    /**
     * v2/imbot.v2/events/event-get.md: {@code limit} 1 to 1000 (the core clamps it, it refuses none), an
     * offset acknowledges every event before it, {@code nextOffset} is the offset to pass next (the given
     * one when nothing came), {@code hasMore} when the page is full; {@code withUserEvents} needs the
     * user to have subscribed (USER_NOT_SUBSCRIBED: nobody in this emulator has).
     */
    private Object eventGet(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        if (truthy(p.get("withUserEvents"))) {
            throw new RestError(400, "USER_NOT_SUBSCRIBED", "The user is not subscribed to events");
        }
        long offset = p.containsKey("offset") ? num(p.get("offset")) : 0;
        int limit = p.containsKey("limit") ? (int) Math.clamp(num(p.get("limit")), 1, 1000) : 100;
        bot.events.removeIf(e -> ((Number) e.get("eventId")).longValue() < offset);
        List<Map<String, Object>> page = bot.events.stream().limit(limit).toList();
        long next = page.isEmpty() ? offset : ((Number) page.getLast().get("eventId")).longValue() + 1;
        return Map.of("events", page, "nextOffset", next, "hasMore", page.size() >= limit);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Map<String, Object> botObject(EmuBot bot) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("id", bot.id);
        object.put("code", bot.code);
        object.put("type", bot.params.getOrDefault("type", "bot"));
        object.put("eventMode", bot.params.getOrDefault("eventMode", "fetch"));
        object.put("isHidden", bot.params.getOrDefault("isHidden", false));
        object.put("isReactionsEnabled", bot.params.getOrDefault("isReactionsEnabled", true));
        object.put("isSupportOpenline", bot.params.getOrDefault("isSupportOpenline", false));
        object.put("backgroundId", bot.params.get("backgroundId"));
        object.put("language", "en");
        object.put("moduleId", "rest");
        return object;
    }

    /**
     * The live bot a v2 call names by {@code botId}: BOT_ID_REQUIRED without one, BOT_NOT_FOUND for an
     * unknown one, BOT_OWNERSHIP_ERROR "Bot was installed by another rest application" for another app's
     * (the error list of every bot-scoped v2 page).
     */
    private EmuBot ownV2Bot(Portal portal, Map<String, Object> p) {
        if (!p.containsKey("botId") || str(p.get("botId")).isBlank()) {
            throw new RestError(400, "BOT_ID_REQUIRED", "botId is required");
        }
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        if (!bot.appId.equals(appId)) {
            throw new RestError(403, "BOT_OWNERSHIP_ERROR", "Bot was installed by another rest application");
        }
        return bot;
    }

    /** The live bot a v1 call names by BOT_ID: BOT_ID_ERROR, or APP_ID_ERROR for another app's (every v1 bot page). */
    private EmuBot ownV1Bot(Portal portal, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        if (!bot.appId.equals(appId)) {
            throw new RestError(400, "APP_ID_ERROR", "Bot was installed by another rest application");
        }
        return bot;
    }

    /** The v2 {@code fields} parameter, empty when absent. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(Map<String, Object> p) {
        return p.get("fields") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private EmuBot byId(Portal portal, long id) {
        return bots(portal).stream().filter(b -> b.id == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no bot " + id));
    }

    private EmuBot liveById(Portal portal, long id, String error) {
        return bots(portal).stream().filter(b -> b.id == id && !b.deleted).findFirst()
                .orElseThrow(() -> new RestError(400, error, "Bot not found"));
    }

    private void requireUrl(Map<String, Object> p, String key, String label, boolean required) {
        String url = str(p.get(key));
        if (url.isEmpty()) {
            if (required) {
                throw new RestError(400, key + "_ERROR", "Handler for \"" + label + "\" event isn't specified");
            }
            return;
        }
        if (!handlerUrl(url)) {
            throw new RestError(400, key + "_ERROR", "Wrong handler URL");
        }
    }

    /**
     * The sandbox's portals run on the developer's machine and reach the service on localhost, a host
     * no real portal accepts (and could not reach): only there is it let through.
     */
    public void acceptLocalhostHandlers() {
        localhostHandlers = true;
    }

    /**
     * A handler URL the core accepts (its handler check; the pages only say "Wrong handler URL"): http or
     * https, and a host with a dot in it. Current portals do not ask that it match the app's own host.
     */
    boolean handlerUrl(String url) {
        try {
            URI uri = URI.create(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost();
            boolean hostAccepted = host != null && (host.indexOf('.') > 0 || localhostHandlers && host.equals("localhost"));
            return (scheme.equals("http") || scheme.equals("https")) && hostAccepted;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** v2 index "Boolean Parameters": Y/N (and 1, true) stand for booleans; the core normalizes them. */
    private static Map<String, Object> booleans(Map<String, Object> fields) {
        Map<String, Object> out = new LinkedHashMap<>(fields);
        for (String key : List.of("isHidden", "isReactionsEnabled", "isSupportOpenline", "hidden", "common",
                "extranetSupport", "system", "urlPreview")) {
            if (out.containsKey(key) && !(out.get(key) instanceof Boolean)) {
                out.put(key, truthy(out.get(key)));
            }
        }
        return out;
    }

    private static boolean truthy(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = str(value).trim();
        return text.equalsIgnoreCase("Y") || text.equals("1") || text.equalsIgnoreCase("true");
    }

    /** A per-language map ({@code {"en": "…"}}); anything else is none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> languages(Object value) {
        return value instanceof Map<?, ?> map ? new LinkedHashMap<>((Map<String, Object>) map) : new LinkedHashMap<>();
    }

    private static Map<String, Object> onlyTitled(Map<String, Object> params, Map<String, Object> titles) {
        params.keySet().retainAll(titles.keySet());
        return params;
    }

    private static boolean hasAttach(Object attach) {
        return attach != null && !(attach instanceof List<?> list && list.isEmpty()) && !cleared(attach)
                && !(attach instanceof Map<?, ?> map && map.isEmpty());
    }

    /** "An empty value or N" clears an attachment, a keyboard or a menu (the message-update pages). */
    private static boolean cleared(Object value) {
        return value == null || "N".equals(value) || str(value).isBlank() || value instanceof List<?> list && list.isEmpty();
    }

    private static boolean looksLikeImage(String base64) {
        try {
            byte[] bytes = Base64.getDecoder().decode(base64);
            return bytes.length > 4 && ((bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' // PNG
                    || (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8 // JPEG
                    || bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F');
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String str(Object value) {
        return value == null ? "" : value.toString();
    }

    private static long num(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(str(value));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
