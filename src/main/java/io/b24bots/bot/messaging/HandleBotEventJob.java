package io.b24bots.bot.messaging;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.oauth.PortalUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;
import org.jboss.logging.Logger;

/**
 * Acts on one bot event from the queue: replies to messages through the bot's handler, greets a
 * chat the bot joined, records a deleted bot. The same code serves v1 events, v2 webhook events
 * (scalars as strings) and v2 fetched events (typed JSON). A bot never answers a bot.
 */
@ApplicationScoped
public class HandleBotEventJob implements JobHandler {

    private static final Logger LOG = Logger.getLogger(HandleBotEventJob.class);

    private final ObjectMapper json;
    private final BotRepository registry;
    private final BotCatalog catalog;
    private final Imbot imbot;
    private final Instance<BotMessageHandler> handlers;
    private final MeterRegistry meters;

    HandleBotEventJob(ObjectMapper json, BotRepository registry, BotCatalog catalog, Imbot imbot,
            @Any Instance<BotMessageHandler> handlers, MeterRegistry meters) {
        this.json = json;
        this.registry = registry;
        this.catalog = catalog;
        this.imbot = imbot;
        this.handlers = handlers;
        this.meters = meters;
    }

    @Override
    public String kind() {
        return BotEventQueue.KIND;
    }

    @Override
    public void run(QueuedJob job) {
        JsonNode payload;
        try {
            payload = json.readTree(job.payload());
        } catch (Exception e) {
            LOG.errorf("Bot event job %d has an unreadable payload; dropped", job.id());
            return;
        }
        String event = payload.path("event").asText();
        JsonNode data = payload.path("data");
        try {
            switch (event) {
                case "ONIMBOTMESSAGEADD" -> v1Message(job, data);
                case "ONIMBOTJOINCHAT" -> v1Join(job, data);
                case "ONIMBOTDELETE" -> deleted(job.memberId(), data.path("BOT_ID").asLong());
                case "ONIMBOTV2MESSAGEADD" -> v2Message(job, data);
                case "ONIMBOTV2JOINCHAT" -> v2Join(job, data);
                case "ONIMBOTV2DELETE" -> deleted(job.memberId(), data.path("bot").path("id").asLong());
                default -> LOG.debugf("Recorded %s for portal %s", event, job.memberId());
            }
        } catch (PortalUnavailableException e) {
            LOG.infof("Dropped %s for portal %s: %s", event, job.memberId(), e.getMessage());
        }
    }

    private void v1Message(QueuedJob job, JsonNode data) {
        String memberId = job.memberId();
        JsonNode params = data.path("PARAMS");
        long authorId = firstLong(params, "FROM_USER_ID", "AUTHOR_ID");
        if (truthy(data.path("USER").path("IS_BOT")) || truthy(params.path("SYSTEM"))) {
            return;
        }
        Set<Long> ourBots = new HashSet<>(registry.registeredBotIds(memberId));
        if (ourBots.contains(authorId)) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = data.path("BOT").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            long botId = entry.getValue().path("BOT_ID").asLong(parseLong(entry.getKey()));
            ours(memberId, botId).ifPresent(bot -> reply(job, new IncomingMessage(memberId, bot, botId,
                    params.path("DIALOG_ID").asText(), authorId, params.path("MESSAGE").asText(""),
                    language(params.path("LANGUAGE"), data.path("LANGUAGE")))));
        }
    }

    private void v1Join(QueuedJob job, JsonNode data) {
        String memberId = job.memberId();
        JsonNode params = data.path("PARAMS");
        for (Iterator<Map.Entry<String, JsonNode>> it = data.path("BOT").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            long botId = entry.getValue().path("BOT_ID").asLong(parseLong(entry.getKey()));
            ours(memberId, botId).filter(bot -> bot.welcomeMessage() != null)
                    .ifPresent(bot -> send(job, bot, botId, params.path("DIALOG_ID").asText(), bot.welcomeMessage()));
        }
    }

    private void v2Message(QueuedJob job, JsonNode data) {
        String memberId = job.memberId();
        long botId = data.path("bot").path("id").asLong();
        JsonNode message = data.path("message");
        JsonNode user = data.path("user");
        long authorId = message.path("authorId").asLong(user.path("id").asLong());
        if (truthy(user.path("bot")) || "bot".equals(user.path("type").asText()) || truthy(message.path("isSystem"))
                || registry.registeredBotIds(memberId).contains(authorId)) {
            return;
        }
        String dialogId = dialogId(data.path("chat").path("dialogId").asText(""), authorId);
        ours(memberId, botId).ifPresent(bot -> reply(job, new IncomingMessage(memberId, bot, botId, dialogId, authorId,
                message.path("text").asText(""), language(data.path("language"), null))));
    }

    private void v2Join(QueuedJob job, JsonNode data) {
        String memberId = job.memberId();
        long botId = data.path("bot").path("id").asLong();
        String dialogId = data.path("dialogId").asText("");
        if (dialogId.isEmpty()) {
            dialogId = dialogId(data.path("chat").path("dialogId").asText(""), data.path("user").path("id").asLong());
        }
        String target = dialogId;
        ours(memberId, botId).filter(bot -> bot.welcomeMessage() != null)
                .ifPresent(bot -> send(job, bot, botId, target, bot.welcomeMessage()));
    }

    /**
     * A deletion event proves nothing by itself (its application token is known to every portal
     * user), so the bot is marked deleted only when Bitrix24 no longer knows it.
     */
    private void deleted(String memberId, long botId) {
        Optional<Bot> row = registry.registered(memberId, botId);
        if (row.isEmpty()) {
            return;
        }
        if (!goneFromPortal(memberId, row.get())) {
            meters.counter("b24.events.refused", "reason", "bot_still_exists").increment();
            LOG.warnf("Ignored a deletion of bot %d in portal %s: Bitrix24 still lists it", botId, memberId);
            return;
        }
        if (registry.markDeleted(memberId, botId)) {
            LOG.infof("Bot %d was deleted in portal %s", botId, memberId);
        }
    }

    private boolean goneFromPortal(String memberId, Bot bot) {
        return !imbot.of(bot.api).exists(memberId, bot.botId);
    }

    private Optional<BotDefinition> ours(String memberId, long botId) {
        return registry.registered(memberId, botId).flatMap(row -> catalog.byCode(row.code));
    }

    private void reply(QueuedJob job, IncomingMessage message) {
        BotMessageHandler handler = handlers.select(NamedLiteral.of(message.bot().handler())).get();
        handler.reply(message).filter(text -> !text.isBlank())
                .ifPresent(text -> send(job, message.bot(), message.botId(), message.dialogId(), text));
    }

    private void send(QueuedJob job, BotDefinition bot, long botId, String dialogId, String text) {
        String memberId = job.memberId();
        // A worker that lost its lease (stalled past it) must not send what the job's new owner sends.
        job.confirmLease();
        try {
            imbot.of(bot.api()).send(memberId, botId, dialogId, text);
        } catch (BitrixException e) {
            if (BitrixException.TIMEOUT.equals(e.code()) || !e.isTransient()) {
                // A message that may have been delivered is not sent twice; a refused one will not pass later.
                LOG.warnf("Reply of bot %d in portal %s not sent: %s", botId, memberId, e.code());
                return;
            }
            throw e;
        }
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
