package io.b24bots.bot.messaging;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.PortalRateLimiter;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.bot.handler.ChatEvent;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage.ChatType;
import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.oauth.PortalUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Acts on the bot events of the queue: reads each once into {@link BotEvent}s ({@link V1Events},
 * {@link V2Events}), applies the rules no handler should have to (a bot answers in a group chat only
 * when addressed, unless declared {@code group-messages=all}; a declared command typed as text is
 * answered through its command event; a deletion is believed only once Bitrix24 confirms it), and
 * runs the handler's hook ({@link HookRunner}).
 */
@Singleton
public class HandleBotEventJob implements JobHandler {

    private static final Logger LOG = Logger.getLogger(HandleBotEventJob.class);

    private final ObjectMapper json;
    private final BotRepository registry;
    private final BotCatalog catalog;
    private final Imbot imbot;
    private final BitrixClient bitrix;
    private final MeterRegistry meters;
    private final BotsConfig config;
    private final PortalRateLimiter limiter;
    private final BotDirectory directory;
    private final HookRunner hooks;

    HandleBotEventJob(ObjectMapper json, BotRepository registry, BotCatalog catalog, Imbot imbot, BitrixClient bitrix,
            MeterRegistry meters, BotsConfig config, PortalRateLimiter limiter, BotDirectory directory, HookRunner hooks) {
        this.json = json;
        this.registry = registry;
        this.catalog = catalog;
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.meters = meters;
        this.config = config;
        this.limiter = limiter;
        this.directory = directory;
        this.hooks = hooks;
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
                    hooks.settle(origin.job(), origin.botCode(), origin.handler(), origin.botId(), origin.hook(), e);
                } catch (RuntimeException outcome) {
                    failures.put(origin.job(), outcome);
                }
            }
        });
        return failures;
    }

    private void handle(EventRun run) {
        JsonNode payload;
        try {
            payload = json.readTree(run.job().payload());
        } catch (Exception e) {
            LOG.errorf("Bot event job %d has an unreadable payload; dropped", run.job().id());
            return;
        }
        String event = payload.path("event").asText();
        JsonNode data = payload.path("data");
        BotEvent.PortalBots bots = portalBots(run.memberId());
        try {
            List<BotEvent> events = V2Events.NAMES.contains(event) ? V2Events.read(event, run.memberId(), data, bots)
                    : V1Events.NAMES.contains(event) ? V1Events.read(event, run.memberId(), data, bots) : null;
            if (events == null) {
                LOG.debugf("Recorded %s for portal %s", event, run.memberId());
                return;
            }
            for (BotEvent botEvent : events) {
                dispatch(run, botEvent);
            }
        } catch (PortalUnavailableException e) {
            LOG.infof("Dropped %s for portal %s: %s", event, run.memberId(), e.getMessage());
        }
    }

    private void dispatch(EventRun run, BotEvent event) {
        switch (event) {
            case BotEvent.Message m -> message(run, m.message());
            case BotEvent.Command c -> command(run, c.command());
            case BotEvent.Chat c -> chat(run, c.event());
            case BotEvent.Deletion d -> deleted(run, d.botId(), d.raw());
        }
    }

    /** The group-chat rule, then the handler's onMessage; a declared command typed as text is left to its command event. */
    private void message(EventRun run, IncomingMessage message) {
        BotDefinition bot = message.bot();
        String text = message.text().trim();
        if (text.startsWith("/") && bot.command(text.substring(1).split("\\s", 2)[0]).isPresent()) {
            return;
        }
        // Only a bot that sees every group message (supervisor, personal, v1 S) is filtered here: any
        // other got the message because Bitrix24 already found it addressed (the v2 events page's
        // group example "Hello bot!" carries no mark at all).
        if (message.chatType() == ChatType.GROUP && bot.seesEveryGroupMessage() && !bot.allGroupMessages()
                && !message.mentioned()) {
            meters.counter("b24.bot.messages.skipped", "reason", "not_addressed").increment();
            return;
        }
        hooks.run(run, bot, message.botId(), "message", message.dialogId(), h -> chat -> h.onMessage(message, chat));
    }

    private void command(EventRun run, IncomingCommand command) {
        String handler = command.bot().command(command.command()).map(CommandDefinition::handler).orElse(command.bot().handler());
        hooks.run(run, command.bot(), handler, command.botId(), "command", command.dialogId(), command,
                h -> chat -> h.onCommand(command, chat));
    }

    private void chat(EventRun run, ChatEvent event) {
        switch (event) {
            case ChatEvent.Joined e -> hooks.run(run, e.bot(), e.botId(), "join", e.dialogId(), h -> chat -> h.onJoin(e, chat));
            case ChatEvent.MessageUpdated e -> hooks.run(run, e.bot(), e.botId(), "message-update", e.dialogId(),
                    h -> chat -> h.onMessageUpdated(e, chat));
            case ChatEvent.MessageDeleted e -> hooks.run(run, e.bot(), e.botId(), "message-delete", e.dialogId(),
                    h -> chat -> h.onMessageDeleted(e, chat));
            case ChatEvent.ReactionChanged e -> hooks.run(run, e.bot(), e.botId(), "reaction", e.dialogId(),
                    h -> chat -> h.onReaction(e, chat));
            case ChatEvent.ContextOpened e -> hooks.run(run, e.bot(), e.botId(), "context", e.dialogId(),
                    h -> chat -> h.onContext(e, chat));
            case ChatEvent.BotDeleted e -> hooks.run(run, e.bot(), e.botId(), "bot-delete", null, h -> chat -> h.onBotDeleted(e));
        }
    }

    /**
     * A deletion event proves nothing by itself (its application token is known to every portal
     * user), so the bot is marked deleted only when Bitrix24 no longer knows it.
     */
    private void deleted(EventRun run, long botId, JsonNode data) {
        String memberId = run.memberId();
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
            bot.ifPresent(definition -> chat(run, new ChatEvent.BotDeleted(memberId, definition, botId, data)));
        }
    }

    private BotEvent.PortalBots portalBots(String memberId) {
        return new BotEvent.PortalBots() {
            @Override
            public Optional<BotDefinition> ours(long botId) {
                return directory.registered(memberId, botId).flatMap(row -> catalog.byCode(row.code()));
            }

            @Override
            public boolean isOurBot(long userId) {
                return directory.isOurs(memberId, userId);
            }
        };
    }
}
