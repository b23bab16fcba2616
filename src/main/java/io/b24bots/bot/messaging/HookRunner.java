package io.b24bots.bot.messaging;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.BotMessageHandler;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.settings.PortalBotSettings;
import io.b24bots.bot.state.DialogStates;
import io.b24bots.jobs.LeaseLostException;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.support.Backoff;
import io.b24bots.support.CounterFamily;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Runs one hook of a bot's handler for an event: with a chat whose posts go through the run's
 * outbox, "typing…" shown if it takes longer than {@code b24.handlers.typing-after} with nothing
 * sent, and the failure policy ({@link #settle}) when it throws.
 */
@Singleton
class HookRunner {

    private static final Logger LOG = Logger.getLogger(HookRunner.class);
    static final String HANDLER_FAILED = "HANDLER_FAILED";

    private final Instance<BotMessageHandler> handlers;
    /**
     * Each handler looked up once: the lookup by name was about 2% of the service's CPU per event, and an
     * instance of a @Dependent handler got per event would stay with the Instance until shutdown. The names
     * are those the bot declarations give (HandlerBeans checked them at start).
     */
    private final Map<String, BotMessageHandler> resolved = new ConcurrentHashMap<>();
    private final Imbot imbot;
    private final BitrixClient bitrix;
    private final BotRepository registry;
    private final CounterFamily outcomes;
    private final BotsConfig config;
    private final DialogStates states;
    private final PortalBotSettings settings;
    private final ScheduledExecutorService typing = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("bot-typing").factory());

    HookRunner(@Any Instance<BotMessageHandler> handlers, Imbot imbot, BitrixClient bitrix, BotRepository registry,
            MeterRegistry meters, BotsConfig config, DialogStates states, PortalBotSettings settings) {
        this.states = states;
        this.settings = settings;
        this.handlers = handlers;
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.registry = registry;
        this.outcomes = new CounterFamily(meters, "b24.bot.handler", "hook", "outcome");
        this.config = config;
    }

    void stop(@Observes ShutdownEvent event) {
        typing.shutdownNow();
    }

    /** A hook of the bot's own handler. */
    void run(EventRun run, BotDefinition bot, long botId, String hook, String dialogId,
            Function<BotMessageHandler, Consumer<BotChat>> call) {
        run(run, bot, bot.handler(), botId, hook, dialogId, null, call);
    }

    /** A hook of {@code handlerName}; in a command ({@code command} not null), posts answer it. */
    void run(EventRun run, BotDefinition bot, String handlerName, long botId, String hook, String dialogId,
            IncomingCommand command, Function<BotMessageHandler, Consumer<BotChat>> call) {
        String memberId = run.memberId();
        BotMessageHandler handler = resolved.computeIfAbsent(handlerName, name -> handlers.select(NamedLiteral.of(name)).get());
        PortalOutbox.Origin origin = new PortalOutbox.Origin(run.job(), bot.code(), handlerName, botId, hook);
        PortalBotChat chat = new PortalBotChat(imbot.of(bot.api()), bitrix, memberId, botId, dialogId, command, run.outbox(), origin,
                dialogId == null ? null : states.of(memberId, bot.code(), dialogId), () -> settings.of(memberId, bot));
        ScheduledFuture<?> indicator = dialogId == null ? null : typing.schedule(() -> {
            try {
                if (!run.outbox().flush() && !chat.wrote()) {
                    chat.typing();
                }
            } catch (RuntimeException e) {
                LOG.debugf("Typing indicator of bot %d in portal %s not shown: %s", botId, memberId, e.toString());
            }
        }, config.handlers().typingAfter().toMillis(), TimeUnit.MILLISECONDS);
        try {
            call.apply(handler).accept(chat);
            outcomes.increment(hook, "ok");
        } catch (RuntimeException e) {
            settle(run.job(), bot.code(), handlerName, botId, hook, e);
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
    void settle(QueuedJob job, String botCode, String handlerName, long botId, String hook, RuntimeException e) {
        if (e instanceof LeaseLostException || e instanceof PortalUnavailableException) {
            throw e;
        }
        String memberId = job.memberId();
        String what = e instanceof BitrixException b ? b.code() : e.getClass().getSimpleName();
        boolean permanent = e instanceof BitrixException b && !b.isTransient();
        if (!permanent && job.attempt() < config.handlers().maxAttempts()) {
            outcomes.increment(hook, "retry");
            LOG.infof("Handler %s of bot %s failed on %s in portal %s (%s); run %d, retried later", handlerName, botCode,
                    hook, memberId, what, job.attempt());
            throw new RetryJobLater(Backoff.delay(job.attempt(), config.handlers().backoff(), config.handlers().maxBackoff()),
                    "handler " + handlerName + " failed: " + what);
        }
        outcomes.increment(hook, "failed");
        LOG.warnf("Handler %s of bot %s gave up on %s in portal %s after %d runs: %s%s", handlerName, botCode, hook,
                memberId, job.attempt(), what, e instanceof BitrixException || e.getMessage() == null ? "" : ": " + e.getMessage());
        // The page shows what failed, not the exception's message: the handler's own text may hold anything.
        registry.handlerFailed(memberId, botId, HANDLER_FAILED, hook + " (" + handlerName + "): " + what);
    }
}
