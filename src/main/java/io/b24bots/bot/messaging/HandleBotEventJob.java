package io.b24bots.bot.messaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.PortalRateLimiter;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.messaging.ChatEvent.Kind;
import io.b24bots.bot.messaging.IncomingMessage.ChatType;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.LeaseLostException;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.support.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;
import org.jboss.logging.Logger;

/**
 * Acts on one bot event from the queue: turns v1 events, v2 webhook events (scalars as strings)
 * and v2 fetched events (typed JSON) into the same {@link IncomingMessage}, {@link IncomingCommand}
 * or {@link ChatEvent} and calls the bot's {@link BotMessageHandler}. A bot never answers a bot, and
 * in a group chat only when addressed (unless declared {@code group-messages=all}). A handler that
 * throws is retried with back-off, {@code b24.handlers.max-attempts} runs at most, then its failure
 * is recorded on the bot row for the admin page.
 */
@ApplicationScoped
public class HandleBotEventJob implements JobHandler {

    private static final Logger LOG = Logger.getLogger(HandleBotEventJob.class);
    /** A mention of every member of the chat. */
    private static final Pattern EVERYONE = Pattern.compile("\\[user=all]", Pattern.CASE_INSENSITIVE);
    public static final String HANDLER_FAILED = "HANDLER_FAILED";

    private final ObjectMapper json;
    private final BotRepository registry;
    private final BotCatalog catalog;
    private final Imbot imbot;
    private final BitrixClient bitrix;
    private final Instance<BotMessageHandler> handlers;
    private final MeterRegistry meters;
    private final BotsConfig config;
    private final PortalRateLimiter limiter;
    private final BotDirectory directory;
    private final ScheduledExecutorService typing = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("bot-typing").factory());

    HandleBotEventJob(ObjectMapper json, BotRepository registry, BotCatalog catalog, Imbot imbot, BitrixClient bitrix,
            @Any Instance<BotMessageHandler> handlers, MeterRegistry meters, BotsConfig config, PortalRateLimiter limiter, BotDirectory directory) {
        this.limiter = limiter;
        this.directory = directory;
        this.json = json;
        this.registry = registry;
        this.catalog = catalog;
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.handlers = handlers;
        this.meters = meters;
        this.config = config;
    }

    void stop(@Observes ShutdownEvent event) {
        typing.shutdownNow();
    }

    @Override
    public String kind() {
        return BotEventQueue.KIND;
    }

    /**
     * A handled event leaves nothing to read: its reply is in the chat, its dedup mark stays 24 hours.
     * Kept, every event would be a row in the job table for {@code b24.jobs.retention} (7 days: hundreds
     * of millions of rows at the rates this path is built for), which every vacuum of the queue walks.
     */
    @Override
    public boolean keepsFinishedJobs() {
        return false;
    }

    /** A busy portal's queued events are handled in one run, so their replies can leave together. */
    @Override
    public int groupSize() {
        return config.handlers().eventsPerRun();
    }

    @Override
    public void run(QueuedJob job) {
        RuntimeException failure = runGroup(List.of(job)).get(job);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Handles a portal's events in order, their posts gathered in one {@link PortalOutbox}: sent
     * after each event while the portal has room under its rate limit, together when it has none,
     * and whatever waits at the end. A post that could not be delivered counts as its hook's failure.
     */
    @Override
    public Map<QueuedJob, RuntimeException> runGroup(List<QueuedJob> jobs) {
        PortalOutbox outbox = new PortalOutbox(jobs.getFirst().memberId(), bitrix, limiter);
        Map<QueuedJob, RuntimeException> failures = new HashMap<>();
        for (QueuedJob job : jobs) {
            try {
                handle(new EventRun(job, outbox));
            } catch (RuntimeException e) {
                failures.put(job, e);
            }
            outbox.flushIfFree();
        }
        outbox.flush();
        outbox.failures().forEach((origin, e) -> {
            if (!failures.containsKey(origin.job())) {
                try {
                    settle(origin.job(), origin.botCode(), origin.handler(), origin.botId(), origin.hook(), e);
                } catch (RuntimeException outcome) {
                    failures.put(origin.job(), outcome);
                }
            }
        });
        return failures;
    }

    /** One queued event and the outbox of the run it is part of. */
    private record EventRun(QueuedJob job, PortalOutbox outbox) {
        String memberId() {
            return job.memberId();
        }
    }

    private void handle(EventRun job) {
        JsonNode payload;
        try {
            payload = json.readTree(job.job().payload());
        } catch (Exception e) {
            LOG.errorf("Bot event job %d has an unreadable payload; dropped", job.job().id());
            return;
        }
        String event = payload.path("event").asText();
        JsonNode data = payload.path("data");
        try {
            switch (event) {
                case "ONIMBOTMESSAGEADD" -> v1Message(job, data, false);
                case "ONIMBOTMESSAGEUPDATE" -> v1Message(job, data, true);
                case "ONIMBOTMESSAGEDELETE" -> v1Deleted(job, data);
                case "ONIMBOTJOINCHAT" -> v1Join(job, data);
                case "ONIMCOMMANDADD" -> v1Command(job, data);
                case "ONIMBOTDELETE" -> deleted(job, data.path("BOT_ID").asLong(), data);
                case "ONIMBOTV2MESSAGEADD" -> v2Message(job, data, false);
                case "ONIMBOTV2MESSAGEUPDATE" -> v2Message(job, data, true);
                case "ONIMBOTV2MESSAGEDELETE" -> v2Simple(job, data, Kind.MESSAGE_DELETED);
                case "ONIMBOTV2REACTIONCHANGE" -> v2Simple(job, data, Kind.REACTION);
                case "ONIMBOTV2JOINCHAT" -> v2Simple(job, data, Kind.JOINED);
                case "ONIMBOTV2CONTEXTGET" -> v2Simple(job, data, Kind.CONTEXT);
                case "ONIMBOTV2COMMANDADD" -> v2Command(job, data);
                case "ONIMBOTV2DELETE" -> deleted(job, data.path("bot").path("id").asLong(), data);
                default -> LOG.debugf("Recorded %s for portal %s", event, job.memberId());
            }
        } catch (PortalUnavailableException e) {
            LOG.infof("Dropped %s for portal %s: %s", event, job.memberId(), e.getMessage());
        }
    }

    // ---- v1 ------------------------------------------------------------------------------------

    private void v1Message(EventRun job, JsonNode data, boolean update) {
        String memberId = job.memberId();
        JsonNode params = data.path("PARAMS");
        JsonNode user = data.path("USER");
        long authorId = firstLong(params, "FROM_USER_ID", "AUTHOR_ID");
        if (truthy(user.path("IS_BOT")) || truthy(params.path("SYSTEM")) || fromOurBot(job, authorId)) {
            return;
        }
        String text = params.path("MESSAGE").asText("");
        String original = params.path("MESSAGE_ORIGINAL").asText(text);
        String dialogId = params.path("DIALOG_ID").asText();
        ChatType type = v1ChatType(params.path("MESSAGE_TYPE").asText(params.path("CHAT_TYPE").asText("")), dialogId);
        String language = language(params.path("LANGUAGE"), data.path("LANGUAGE"));
        long messageId = params.path("MESSAGE_ID").asLong();
        for (long botId : v1Bots(data.path("BOT"))) {
            ours(job, botId).ifPresent(bot -> {
                if (update) {
                    hook(job, bot, botId, "message-update", dialogId, null, h -> chat -> h.onMessageUpdated(new ChatEvent(
                            Kind.MESSAGE_UPDATED, memberId, bot, botId, dialogId, authorId, messageId, text, null, false,
                            language, data), chat));
                    return;
                }
                boolean mentioned = v1Addressed(params, original, botId);
                // v1 removes the mention from MESSAGE but keeps what followed it (", how do I …").
                String shown = mentioned ? text.replaceFirst("^\\s*,\\s*", "") : text;
                IncomingMessage message = new IncomingMessage(memberId, bot, botId, dialogId, authorId, shown, language,
                        messageId, params.path("CHAT_ID").asLong(params.path("TO_CHAT_ID").asLong()), type, mentioned,
                        user.path("NAME").asText(""), truthy(user.path("IS_EXTRANET")), truthy(user.path("IS_CONNECTOR")),
                        values(params.path("FILES")), data);
                message(job, message);
            });
        }
    }

    private void v1Deleted(EventRun job, JsonNode data) {
        JsonNode params = data.path("PARAMS");
        String dialogId = params.path("DIALOG_ID").asText();
        for (long botId : v1Bots(data.path("BOT"))) {
            ours(job, botId).ifPresent(bot -> hook(job, bot, botId, "message-delete", dialogId, null,
                    h -> chat -> h.onMessageDeleted(new ChatEvent(Kind.MESSAGE_DELETED, job.memberId(), bot, botId, dialogId,
                            firstLong(params, "FROM_USER_ID", "AUTHOR_ID"), params.path("MESSAGE_ID").asLong(), null, null,
                            false, language(params.path("LANGUAGE"), data.path("LANGUAGE")), data), chat)));
        }
    }

    private void v1Join(EventRun job, JsonNode data) {
        JsonNode params = data.path("PARAMS");
        String dialogId = params.path("DIALOG_ID").asText();
        for (long botId : v1Bots(data.path("BOT"))) {
            ours(job, botId).ifPresent(bot -> hook(job, bot, botId, "join", dialogId, null,
                    h -> chat -> h.onJoin(new ChatEvent(Kind.JOINED, job.memberId(), bot, botId, dialogId,
                            firstLong(params, "USER_ID", "FROM_USER_ID"), 0, null, null, false,
                            language(params.path("LANGUAGE"), data.path("LANGUAGE")), data), chat)));
        }
    }

    /** {@code data[COMMAND]} is keyed by command id; each entry names its bot. */
    private void v1Command(EventRun job, JsonNode data) {
        JsonNode params = data.path("PARAMS");
        if (truthy(data.path("USER").path("IS_BOT"))) {
            return;
        }
        String dialogId = params.path("DIALOG_ID").asText();
        for (Iterator<Map.Entry<String, JsonNode>> it = data.path("COMMAND").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode c = entry.getValue();
            long botId = c.path("BOT_ID").asLong();
            ours(job, botId).ifPresent(bot -> command(job, new IncomingCommand(job.memberId(), bot, botId, dialogId,
                    bare(c.path("COMMAND").asText()), c.path("COMMAND_PARAMS").asText(""),
                    c.path("COMMAND_ID").asLong(parseLong(entry.getKey())), c.path("MESSAGE_ID").asLong(params.path("MESSAGE_ID").asLong()),
                    firstLong(params, "FROM_USER_ID", "AUTHOR_ID"), language(params.path("LANGUAGE"), data.path("LANGUAGE")),
                    c.path("COMMAND_CONTEXT").asText("textarea").toLowerCase(Locale.ROOT), data)));
        }
    }

    // ---- v2 ------------------------------------------------------------------------------------

    private void v2Message(EventRun job, JsonNode data, boolean update) {
        String memberId = job.memberId();
        long botId = data.path("bot").path("id").asLong();
        JsonNode message = data.path("message");
        JsonNode user = data.path("user");
        JsonNode chatNode = data.path("chat");
        long authorId = message.path("authorId").asLong(user.path("id").asLong());
        if (truthy(user.path("bot")) || "bot".equals(user.path("type").asText()) || truthy(message.path("isSystem"))
                || fromOurBot(job, authorId)) {
            return;
        }
        String dialogId = dialogId(chatNode.path("dialogId").asText(""), authorId);
        String text = message.path("text").asText("");
        String language = language(data.path("language"), null);
        ours(job, botId).ifPresent(bot -> {
            if (update) {
                hook(job, bot, botId, "message-update", dialogId, null, h -> chat -> h.onMessageUpdated(new ChatEvent(
                        Kind.MESSAGE_UPDATED, memberId, bot, botId, dialogId, authorId, message.path("id").asLong(), text,
                        null, false, language, data), chat));
                return;
            }
            JsonNode params = message.path("params");
            List<JsonNode> files = values(params.path("FILES"));
            if (files.isEmpty()) {
                files = values(data.path("files"));
            }
            message(job, new IncomingMessage(memberId, bot, botId, dialogId, authorId, withoutMention(text, botId), language,
                    message.path("id").asLong(), message.path("chatId").asLong(chatNode.path("id").asLong()),
                    v2ChatType(chatNode, dialogId), addressedInText(text, botId), user.path("name").asText(""),
                    truthy(user.path("extranet")) || "extranet".equals(user.path("type").asText()),
                    truthy(user.path("connector")), files, data));
        });
    }

    private void v2Simple(EventRun job, JsonNode data, Kind kind) {
        String memberId = job.memberId();
        long botId = data.path("bot").path("id").asLong();
        JsonNode user = data.path("user");
        long userId = user.path("id").asLong();
        String dialogId = data.path("dialogId").asText("");
        if (dialogId.isEmpty()) {
            dialogId = dialogId(data.path("chat").path("dialogId").asText(""), userId);
        }
        String target = dialogId;
        long messageId = data.path("messageId").asLong(data.path("message").path("id").asLong());
        String language = language(data.path("language"), null);
        if (kind == Kind.REACTION && (truthy(user.path("bot")) || fromOurBot(job, userId))) {
            return;
        }
        ours(job, botId).ifPresent(bot -> {
            ChatEvent event = new ChatEvent(kind, memberId, bot, botId, target, userId, messageId, null,
                    kind == Kind.REACTION ? data.path("reaction").asText(null) : null,
                    kind == Kind.REACTION && !"delete".equals(data.path("action").asText("add")), language, data);
            switch (kind) {
                case JOINED -> hook(job, bot, botId, "join", target, null, h -> chat -> h.onJoin(event, chat));
                case MESSAGE_DELETED -> hook(job, bot, botId, "message-delete", target, null, h -> chat -> h.onMessageDeleted(event, chat));
                case REACTION -> hook(job, bot, botId, "reaction", target, null, h -> chat -> h.onReaction(event, chat));
                case CONTEXT -> hook(job, bot, botId, "context", target, null, h -> chat -> h.onContext(event, chat));
                default -> throw new IllegalArgumentException(kind.name());
            }
        });
    }

    private void v2Command(EventRun job, JsonNode data) {
        String memberId = job.memberId();
        long botId = data.path("bot").path("id").asLong();
        JsonNode c = data.path("command");
        JsonNode message = data.path("message");
        JsonNode user = data.path("user");
        if (truthy(user.path("bot"))) {
            return;
        }
        long authorId = message.path("authorId").asLong(user.path("id").asLong());
        String dialogId = dialogId(data.path("chat").path("dialogId").asText(""), authorId);
        ours(job, botId).ifPresent(bot -> command(job, new IncomingCommand(memberId, bot, botId, dialogId,
                bare(c.path("command").asText()), c.path("params").asText(""), c.path("id").asLong(), message.path("id").asLong(),
                authorId, language(data.path("language"), null), c.path("context").asText("textarea").toLowerCase(Locale.ROOT),
                data)));
    }

    // ---- shared --------------------------------------------------------------------------------

    /** The group-chat rule, then the handler's onMessage; a declared command typed as text is left to its command event. */
    private void message(EventRun job, IncomingMessage message) {
        BotDefinition bot = message.bot();
        String text = message.text().trim();
        if (text.startsWith("/") && bot.command(text.substring(1).split("\\s", 2)[0]).isPresent()) {
            return;
        }
        // Its own commands reach the bot as command events; another "/text" in a group is not for it.
        // Only a bot that sees every group message (supervisor, personal, v1 S) is filtered here: any
        // other got the message because Bitrix24 already found it addressed (the v2 events page's
        // group example "Hello bot!" carries no mark at all).
        if (message.chatType() == ChatType.GROUP && bot.seesEveryGroupMessage() && !bot.allGroupMessages()
                && !message.mentioned()) {
            meters.counter("b24.bot.messages.skipped", "reason", "not_addressed").increment();
            return;
        }
        hook(job, bot, message.botId(), "message", message.dialogId(), null, h -> chat -> h.onMessage(message, chat));
    }

    private void command(EventRun job, IncomingCommand command) {
        String handler = command.bot().command(command.command()).map(CommandDefinition::handler).orElse(command.bot().handler());
        hook(job, command.bot(), handler, command.botId(), "command", command.dialogId(), command,
                h -> chat -> h.onCommand(command, chat));
    }

    /**
     * A deletion event proves nothing by itself (its application token is known to every portal
     * user), so the bot is marked deleted only when Bitrix24 no longer knows it.
     */
    private void deleted(EventRun job, long botId, JsonNode data) {
        String memberId = job.memberId();
        Optional<Bot> row = registry.registered(memberId, botId);
        if (row.isEmpty()) {
            return;
        }
        if (imbot.of(row.get().api).exists(memberId, botId)) {
            meters.counter("b24.events.refused", "reason", "bot_still_exists").increment();
            LOG.warnf("Ignored a deletion of bot %d in portal %s: Bitrix24 still lists it", botId, memberId);
            return;
        }
        Optional<BotDefinition> bot = catalog.byCode(row.get().code);
        if (registry.markDeleted(memberId, botId)) {
            directory.forget(memberId);
            LOG.infof("Bot %d was deleted in portal %s", botId, memberId);
            bot.ifPresent(definition -> hook(job, definition, botId, "bot-delete", null, null,
                    h -> chat -> h.onBotDeleted(new ChatEvent(Kind.BOT_DELETED, memberId, definition, botId, null, 0, 0, null,
                            null, false, null, data))));
        }
    }

    private void hook(EventRun job, BotDefinition bot, long botId, String hook, String dialogId, IncomingCommand command,
            java.util.function.Function<BotMessageHandler, Consumer<BotChat>> call) {
        hook(job, bot, bot.handler(), botId, hook, dialogId, command, call);
    }

    /**
     * Runs one hook of a handler: what waits in the outbox goes out, or else "typing…" is shown,
     * after {@code b24.handlers.typing-after} if it is still running; a failure goes to {@link #settle}.
     */
    private void hook(EventRun job, BotDefinition bot, String handlerName, long botId, String hook, String dialogId,
            IncomingCommand command, java.util.function.Function<BotMessageHandler, Consumer<BotChat>> call) {
        String memberId = job.memberId();
        BotMessageHandler handler = handlers.select(NamedLiteral.of(handlerName)).get();
        PortalOutbox.Origin origin = new PortalOutbox.Origin(job.job(), bot.code(), handlerName, botId, hook);
        BotChat chat = new BotChat(imbot.of(bot.api()), bitrix, memberId, botId, dialogId, command, job.outbox(), origin);
        ScheduledFuture<?> indicator = dialogId == null ? null : typing.schedule(() -> {
            try {
                if (!job.outbox().flush() && !chat.wrote()) {
                    chat.typing();
                }
            } catch (RuntimeException e) {
                LOG.debugf("Typing indicator of bot %d in portal %s not shown: %s", botId, memberId, e.toString());
            }
        }, config.handlers().typingAfter().toMillis(), TimeUnit.MILLISECONDS);
        try {
            call.apply(handler).accept(chat);
            meters.counter("b24.bot.handler", "hook", hook, "outcome", "ok").increment();
        } catch (RuntimeException e) {
            settle(job.job(), bot.code(), handlerName, botId, hook, e);
        } finally {
            if (indicator != null) {
                indicator.cancel(false);
            }
        }
    }

    /**
     * The failure policy of a hook that threw, or whose posted message could not be delivered:
     * retried with back-off ({@link RetryJobLater}, thrown) while runs are left and the failure may
     * pass, otherwise kept on the bot row for the admin page (and the event is done).
     */
    private void settle(QueuedJob job, String botCode, String handlerName, long botId, String hook, RuntimeException e) {
        if (e instanceof LeaseLostException || e instanceof PortalUnavailableException) {
            throw e;
        }
        String memberId = job.memberId();
        String what = e instanceof BitrixException b ? b.code() : e.getClass().getSimpleName();
        boolean permanent = e instanceof BitrixException b && !b.isTransient();
        if (!permanent && job.attempt() < config.handlers().maxAttempts()) {
            meters.counter("b24.bot.handler", "hook", hook, "outcome", "retry").increment();
            LOG.infof("Handler %s of bot %s failed on %s in portal %s (%s); run %d, retried later", handlerName, botCode,
                    hook, memberId, what, job.attempt());
            throw new RetryJobLater(Backoff.delay(job.attempt(), config.handlers().backoff(), config.handlers().maxBackoff()),
                    "handler " + handlerName + " failed: " + what);
        }
        meters.counter("b24.bot.handler", "hook", hook, "outcome", "failed").increment();
        LOG.warnf("Handler %s of bot %s gave up on %s in portal %s after %d runs: %s%s", handlerName, botCode, hook,
                memberId, job.attempt(), what, e instanceof BitrixException || e.getMessage() == null ? "" : ": " + e.getMessage());
        // The page shows what failed, not the exception's message: the handler's own text may hold anything.
        registry.handlerFailed(memberId, botId, HANDLER_FAILED, hook + " (" + handlerName + "): " + what);
    }

    private Optional<BotDefinition> ours(EventRun job, long botId) {
        return directory.registered(job.memberId(), botId).flatMap(row -> catalog.byCode(row.code()));
    }

    private boolean fromOurBot(EventRun job, long authorId) {
        return directory.isOurs(job.memberId(), authorId);
    }

    private static List<Long> v1Bots(JsonNode bots) {
        List<Long> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = bots.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ids.add(entry.getValue().path("BOT_ID").asLong(parseLong(entry.getKey())));
        }
        return ids;
    }

    /**
     * Whether a v1 group message addresses the bot, by every sign the v1 pages give: the bot in
     * {@code MENTIONED_LIST} (a map of id to id, or a list), {@code TO_USER_ID} naming it (the first mention,
     * as imbot.register's page advises checking), or its mark in {@code MESSAGE_ORIGINAL}. A mention of
     * everyone ({@code [USER=all]}) lists every member, bots too, so it addresses the bot as well.
     */
    static boolean v1Addressed(JsonNode params, String original, long botId) {
        JsonNode listed = params.path("MENTIONED_LIST");
        String id = String.valueOf(botId);
        if (listed.has(id)) {
            return true;
        }
        for (JsonNode entry : listed) {
            if (id.equals(entry.asText())) {
                return true;
            }
        }
        return id.equals(params.path("TO_USER_ID").asText()) || addressedInText(original, botId);
    }

    /**
     * The text mentions the bot, or everyone ({@code [USER=all]}): Bitrix24 counts every member of the
     * chat, bots included, as mentioned by the latter (v1 lists them all in MENTIONED_LIST).
     */
    static boolean addressedInText(String text, long botId) {
        return mentions(text, botId) || text != null && EVERYONE.matcher(text).find();
    }

    /** A mention of the bot in BB-code: {@code [USER=<id>]…[/USER]} or {@code [USER=<id> REPLACE]…}, any case. */
    static boolean mentions(String text, long botId) {
        return text != null && mark(botId).matcher(text).find();
    }

    private static Pattern mark(long botId) {
        return Pattern.compile("\\[user=" + botId + "(?: replace)?]", Pattern.CASE_INSENSITIVE);
    }

    /** The text without the bot's own mention (v1 sends it so already; v2 keeps the BB-code). */
    static String withoutMention(String text, long botId) {
        if (!mentions(text, botId)) {
            return text.trim();
        }
        return Pattern.compile("\\[user=" + botId + "(?: replace)?].*?\\[/user]\\s*,?\\s*", Pattern.CASE_INSENSITIVE)
                .matcher(text).replaceAll("").trim();
    }

    private static ChatType v1ChatType(String type, String dialogId) {
        return switch (type) {
            case "P" -> ChatType.PRIVATE;
            case "L" -> ChatType.OPEN_LINE;
            case "C", "O", "N", "J" -> ChatType.GROUP;
            default -> dialogId.startsWith("chat") ? ChatType.GROUP : ChatType.PRIVATE;
        };
    }

    private static ChatType v2ChatType(JsonNode chat, String dialogId) {
        if (!dialogId.startsWith("chat")) {
            return ChatType.PRIVATE;
        }
        if ("LINES".equalsIgnoreCase(chat.path("entityType").asText()) || "L".equals(chat.path("messageType").asText())
                || "lines".equalsIgnoreCase(chat.path("type").asText())) {
            return ChatType.OPEN_LINE;
        }
        return ChatType.GROUP;
    }

    private static List<JsonNode> values(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        if (node.isObject() || node.isArray()) {
            node.forEach(out::add);
        }
        return List.copyOf(out);
    }

    private static String bare(String command) {
        String c = command.trim();
        return (c.startsWith("/") ? c.substring(1) : c).toLowerCase(Locale.ROOT);
    }

    /** Personal chats are addressed by the other participant's id, group chats as {@code chat<id>}. */
    private static String dialogId(String chatDialogId, long authorId) {
        return chatDialogId.startsWith("chat") ? chatDialogId : String.valueOf(authorId);
    }

    private static String language(JsonNode first, JsonNode second) {
        String value = first.asText("");
        if (value.isEmpty() && second != null) {
            value = second.asText("");
        }
        return value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
    }

    /** Webhook booleans arrive as "1"/"0" or "Y"/"N", fetched ones as JSON booleans. */
    static boolean truthy(JsonNode value) {
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String text = value.asText("");
        return text.equals("1") || text.equalsIgnoreCase("Y") || text.equalsIgnoreCase("true");
    }

    private static long firstLong(JsonNode node, String... fields) {
        for (String field : fields) {
            if (node.hasNonNull(field) && !node.path(field).asText().isEmpty()) {
                return node.path(field).asLong();
            }
        }
        return 0;
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}
