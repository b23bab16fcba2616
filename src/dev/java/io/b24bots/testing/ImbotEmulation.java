package io.b24bots.testing;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.b24bots.bot.Bot;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.RestError;

/**
 * The chat-bot methods of the emulated portals: {@code imbot.register}, {@code imbot.bot.list},
 * {@code imbot.unregister}, {@code imbot.message.add} (v1) and {@code imbot.v2.Bot.register},
 * {@code .list}, {@code .unregister}, {@code imbot.v2.Chat.Message.send}, {@code imbot.v2.Event.get}
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
            List<Map<String, Object>> buttons, java.time.Instant at) {
    }

    static final int V1_LIMIT = 5;
    static final int V2_LIMIT = 100;
    private static final Set<String> V2_TYPES = Set.of("bot", "network", "openline", "supervisor", "personal");

    private final String appId;
    private final AtomicLong ids = new AtomicLong(500);
    private final Map<String, List<EmuBot>> bots = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> codesOfOtherApps = new ConcurrentHashMap<>();
    private final Map<String, List<SentMessage>> messages = new ConcurrentHashMap<>();
    private final Map<String, List<PostedMessage>> posted = new ConcurrentHashMap<>();
    private final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    private final Map<String, List<Map<String, Object>>> bindings = new ConcurrentHashMap<>();
    private final Map<String, List<EmuCommand>> commands = new ConcurrentHashMap<>();
    private final Map<String, String> commandDialogs = new ConcurrentHashMap<>();
    private final Map<String, List<Map<String, Object>>> sentParams = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, EmuMessage>> sentById = new ConcurrentHashMap<>();

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

    /** The live commands of the portal's bots. */
    /** A user ran a command in a dialog (message {@code messageId}): its v1 answer appears there. */
    public void commandRunIn(Portal portal, long messageId, String dialogId) {
        commandDialogs.put(portal.memberId + ":" + messageId, dialogId);
    }

    public List<EmuCommand> commands(Portal portal) {
        return commands.getOrDefault(portal.memberId, List.of()).stream().filter(c -> !c.deleted).toList();
    }

    /** Every message sent, answered or edited, with all its parameters (ATTACH, KEYBOARD, replyId, …), in order. */
    public List<Map<String, Object>> sentParams(Portal portal) {
        return List.copyOf(sentParams.getOrDefault(portal.memberId, List.of()));
    }

    public EmuMessage message(Portal portal, long id) {
        return sentById.getOrDefault(portal.memberId, Map.of()).get(id);
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

    @SuppressWarnings("unchecked")
    private Object updateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        if (!bot.appId.equals(appId)) {
            throw new RestError(400, "APP_ID_ERROR", "Chat-bot was installed by another REST application");
        }
        Map<String, Object> fields = p.get("FIELDS") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        if (fields.isEmpty()) {
            throw new RestError(400, "WRONG_REQUEST", "Fields are empty");
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
        Map<String, Object> fields = fields(p);
        String mode = fields.containsKey("eventMode") ? str(fields.get("eventMode")) : str(bot.params.getOrDefault("eventMode", "fetch"));
        if (!mode.equals("fetch") && !mode.equals("webhook")) {
            throw new RestError(400, "BOT_INVALID_EVENT_MODE", "Invalid event mode");
        }
        if (mode.equals("webhook") && str(fields.getOrDefault("webhookUrl", bot.params.get("webhookUrl"))).isEmpty()) {
            throw new RestError(400, "BOT_WEBHOOK_URL_REQUIRED", "Webhook URL is required");
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

    private synchronized EmuCommand addCommand(Portal portal, EmuBot bot, String command, Map<String, Object> params) {
        if (!command.matches("[A-Za-z0-9]+")) {
            throw new RestError(400, bot.api.equals("v1") ? "COMMAND_ERROR" : "COMMAND_INVALID", "Command is invalid");
        }
        for (EmuCommand c : commands(portal)) {
            if (c.botId == bot.id && c.command.equalsIgnoreCase(command)) {
                // Idempotent per bot and command (the v2 page); the existing command, unchanged.
                return c;
            }
        }
        EmuCommand c = new EmuCommand(ids.incrementAndGet(), bot.id, bot.api, appId, command.toLowerCase(java.util.Locale.ROOT), params);
        commands.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>()).add(c);
        return c;
    }

    private Object commandRegisterV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        if (!bot.appId.equals(appId)) {
            throw new RestError(400, "APP_ID_ERROR", "Chat-bot was installed by another REST application");
        }
        requireUrl(p, "EVENT_COMMAND_ADD", "Command add", true);
        if (!(p.get("LANG") instanceof List<?>)) {
            throw new RestError(400, "LANG_ERROR", "Lang isn't specified");
        }
        return addCommand(portal, bot, str(p.get("COMMAND")), p).id;
    }

    @SuppressWarnings("unchecked")
    private Object commandUpdateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = command(portal, num(p.get("COMMAND_ID")), "COMMAND_ID_ERROR");
        Map<String, Object> fields = p.get("FIELDS") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        c.params.putAll(fields);
        if (fields.containsKey("COMMAND")) {
            c.command = str(fields.get("COMMAND"));
        }
        return true;
    }

    private Object commandUnregisterV1(Portal portal, long userId, Map<String, Object> p) {
        command(portal, num(p.get("COMMAND_ID")), "COMMAND_ID_ERROR").deleted = true;
        return true;
    }

    private Object commandAnswerV1(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = command(portal, num(p.get("COMMAND_ID")), "COMMAND_ID_ERROR");
        String text = str(p.get("MESSAGE")).trim();
        if (text.isEmpty() && !p.containsKey("ATTACH")) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message can't be empty");
        }
        // The answer goes to the chat the command was run in; a test that did not say which sees "command:<message id>".
        String dialog = commandDialogs.getOrDefault(portal.memberId + ":" + num(p.get("MESSAGE_ID")),
                "command:" + num(p.get("MESSAGE_ID")));
        long id = post(portal, byId(portal, c.botId), dialog, text, "v1", p.get("KEYBOARD"));
        record(portal, id, c.botId, null, text, p);
        return id;
    }

    @SuppressWarnings("unchecked")
    private Object commandRegisterV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        Map<String, Object> fields = fields(p);
        EmuCommand c = addCommand(portal, bot, str(fields.get("command")), fields);
        return Map.of("command", Map.of("id", c.id, "botId", bot.id, "command", "/" + c.command));
    }

    @SuppressWarnings("unchecked")
    private Object commandUpdateV2(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND");
        Map<String, Object> fields = fields(p);
        c.params.putAll(fields);
        if (fields.containsKey("command")) {
            c.command = str(fields.get("command"));
        }
        return Map.of("command", Map.of("id", c.id, "botId", c.botId, "command", "/" + c.command));
    }

    private Object commandUnregisterV2(Portal portal, long userId, Map<String, Object> p) {
        command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND").deleted = true;
        return Map.of("result", true);
    }

    private Object commandListV2(Portal portal, long userId, Map<String, Object> p) {
        long botId = num(p.get("botId"));
        return Map.of("commands", commands(portal).stream().filter(c -> c.botId == botId)
                .map(c -> Map.of("id", c.id, "botId", c.botId, "command", "/" + c.command)).toList());
    }

    @SuppressWarnings("unchecked")
    private Object commandAnswerV2(Portal portal, long userId, Map<String, Object> p) {
        EmuCommand c = command(portal, num(p.get("commandId")), "COMMAND_NOT_FOUND");
        if (c.botId != num(p.get("botId"))) {
            throw new RestError(400, "COMMAND_NOT_FOUND", "Command not found");
        }
        Map<String, Object> fields = fields(p);
        String text = str(fields.get("message"));
        if (text.isBlank() && !fields.containsKey("attach")) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message is empty");
        }
        long id = post(portal, byId(portal, c.botId), str(p.get("dialogId")), text, "v2", fields.get("keyboard"));
        record(portal, id, c.botId, str(p.get("dialogId")), text, p);
        return Map.of("id", id);
    }

    private EmuMessage ownMessage(Portal portal, long botId, long messageId, String error) {
        EmuMessage m = sentById.getOrDefault(portal.memberId, Map.of()).get(messageId);
        if (m == null || m.deleted || m.botId != botId) {
            throw new RestError(400, error, "Message not found");
        }
        return m;
    }

    private Object messageUpdateV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        EmuMessage m = ownMessage(portal, bot.id, num(p.get("MESSAGE_ID")), "CANT_EDIT_MESSAGE");
        m.text = str(p.get("MESSAGE"));
        m.params = p;
        return true;
    }

    private Object messageDeleteV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        ownMessage(portal, bot.id, num(p.get("MESSAGE_ID")), "CANT_EDIT_MESSAGE").deleted = true;
        return true;
    }

    @SuppressWarnings("unchecked")
    private Object messageUpdateV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        EmuMessage m = ownMessage(portal, bot.id, num(p.get("messageId")), "MESSAGE_NOT_FOUND");
        Map<String, Object> fields = p.get("fields") instanceof Map<?, ?> f ? (Map<String, Object>) f : Map.of();
        m.text = str(fields.get("message"));
        m.params = p;
        return Map.of("result", true);
    }

    private Object messageDeleteV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        ownMessage(portal, bot.id, num(p.get("messageId")), "MESSAGE_NOT_FOUND").deleted = true;
        return Map.of("result", true);
    }

    private Object typingV1(Portal portal, long userId, Map<String, Object> p) {
        liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        return true;
    }

    private Object typingV2(Portal portal, long userId, Map<String, Object> p) {
        liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        if (str(p.get("dialogId")).isEmpty()) {
            throw new RestError(400, "DIALOG_ID_REQUIRED", "Dialog ID is required");
        }
        return Map.of("result", true);
    }

    /** The app's event handlers bound in the portal, as {@code event.get} lists them. */
    public List<Map<String, Object>> boundEvents(Portal portal) {
        return List.copyOf(bindings.getOrDefault(portal.memberId, List.of()));
    }

    private Object eventBind(Portal portal, long userId, Map<String, Object> p) {
        String event = str(p.get("event")).toUpperCase(java.util.Locale.ROOT);
        String handler = str(p.get("handler"));
        if (!Set.of("ONAPPUNINSTALL", "ONAPPUPDATE", "ONAPPINSTALL", "ONIMBOTMESSAGEADD").contains(event)) {
            throw new RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found");
        }
        if (!handler.startsWith("http://") && !handler.startsWith("https://")) {
            throw new RestError(400, "WRONG_HANDLER_URL", "Wrong handler URL");
        }
        synchronized (this) {
            List<Map<String, Object>> list = bindings.computeIfAbsent(portal.memberId, k -> new CopyOnWriteArrayList<>());
            if (list.stream().anyMatch(b -> b.get("event").equals(event) && b.get("handler").equals(handler))) {
                throw new RestError(400, "ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!");
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
                .add(new PostedMessage(id, bot.id, dialog, text, api, buttons(keyboard), java.time.Instant.now()));
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
            } catch (java.io.IOException e) {
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
                out.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>((Map<String, Object>) b)));
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
        event.put("date", java.time.OffsetDateTime.now().toString());
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
                // Older core behaviour: the same CODE returns the existing bot.
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
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        if (!bot.appId.equals(appId)) {
            throw new RestError(400, "APP_ID_ERROR", "Bot was installed by another REST application");
        }
        bot.deleted = true;
        return true;
    }

    private Object messageAddV1(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("BOT_ID")), "BOT_ID_ERROR");
        String dialog = str(p.get("DIALOG_ID"));
        if (dialog.isEmpty()) {
            throw new RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty");
        }
        String text = str(p.get("MESSAGE")).trim();
        if (text.isEmpty()) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message can't be empty");
        }
        long id = post(portal, bot, dialog, text, "v1", p.get("KEYBOARD"));
        record(portal, id, bot.id, dialog, text, p);
        return id;
    }

    // ---- v2 ------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Object registerV2(Portal portal, long userId, Map<String, Object> p) {
        Map<String, Object> fields = fields(p);
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
        String mode = fields.containsKey("eventMode") ? str(fields.get("eventMode")) : "fetch";
        if (!mode.equals("fetch") && !mode.equals("webhook")) {
            throw new RestError(400, "BOT_INVALID_EVENT_MODE", "Invalid event mode");
        }
        if (mode.equals("webhook")) {
            String url = str(fields.get("webhookUrl"));
            if (url.isEmpty()) {
                throw new RestError(400, "BOT_WEBHOOK_URL_REQUIRED", "Webhook URL is required");
            }
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new RestError(400, "BOT_INVALID_CALLBACK", "Invalid callback URL");
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
                if (!bot.deleted && bot.api.equals("v2") && bot.code.equals(code) && bot.appId.equals(appId)) {
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

    private Object listV2(Portal portal, long userId, Map<String, Object> p) {
        List<Object> list = new ArrayList<>();
        for (EmuBot bot : bots(portal)) {
            if (!bot.deleted && bot.api.equals("v2") && bot.appId.equals(appId)) {
                list.add(botObject(bot));
            }
        }
        return Map.of("bots", list, "users", List.of(), "hasNextPage", false);
    }

    private Object getV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = p.containsKey("botId") ? liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND")
                : bots(portal).stream().filter(b -> !b.deleted && b.code.equals(str(p.get("code")))).findFirst()
                        .orElseThrow(() -> new RestError(400, "BOT_NOT_FOUND", "Bot not found"));
        return Map.of("bot", botObject(bot));
    }

    private Object unregisterV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = ownV2Bot(portal, p);
        bot.deleted = true;
        return Map.of("result", true);
    }

    @SuppressWarnings("unchecked")
    private Object sendV2(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        String dialog = str(p.get("dialogId"));
        if (dialog.isEmpty()) {
            throw new RestError(400, "DIALOG_ID_REQUIRED", "Dialog ID is required");
        }
        Map<String, Object> fields = fields(p);
        String text = str(fields.get("message"));
        if (text.isBlank()) {
            throw new RestError(400, "MESSAGE_EMPTY", "Message is empty");
        }
        long id = post(portal, bot, dialog, text, "v2", fields.get("keyboard"));
        record(portal, id, bot.id, dialog, text, p);
        return Map.of("id", id, "uuidMap", Map.of());
    }

    private Object eventGet(Portal portal, long userId, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        if (!bot.appId.equals(appId)) {
            throw new RestError(403, "BOT_OWNERSHIP_ERROR", "Only the registering application can read events");
        }
        long offset = p.containsKey("offset") ? num(p.get("offset")) : 0;
        int limit = p.containsKey("limit") ? (int) num(p.get("limit")) : 100;
        if (limit < 1 || limit > 1000) {
            throw new RestError(400, "INVALID_LIMIT", "limit must be 1..1000");
        }
        // Passing an offset acknowledges every event before it.
        bot.events.removeIf(e -> ((Number) e.get("eventId")).longValue() < offset);
        List<Map<String, Object>> page = bot.events.stream().limit(limit).toList();
        long next = page.isEmpty() ? Math.max(offset, bot.nextEventId.get() - bot.events.size())
                : ((Number) page.getLast().get("eventId")).longValue() + 1;
        return Map.of("events", page, "nextOffset", next, "hasMore", bot.events.size() > page.size());
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

    /** The live v2 bot a call names by {@code botId}, refused unless this app registered it. */
    private EmuBot ownV2Bot(Portal portal, Map<String, Object> p) {
        EmuBot bot = liveById(portal, num(p.get("botId")), "BOT_NOT_FOUND");
        if (!bot.appId.equals(appId)) {
            throw new RestError(403, "BOT_OWNERSHIP_ERROR", "Bot belongs to another application");
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

    private static void requireUrl(Map<String, Object> p, String key, String label, boolean required) {
        String url = str(p.get(key));
        if (url.isEmpty()) {
            if (required) {
                throw new RestError(400, key + "_ERROR", "Handler for \"" + label + "\" event isn't specified");
            }
            return;
        }
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new RestError(400, key + "_ERROR", "Wrong handler URL");
        }
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
