package io.b24bots.bot.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.FetchLease;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.config.B24Config;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.support.Backoff;
import io.b24bots.support.PortalLogContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Reads the events of v2 bots in {@code fetch} mode with {@code imbot.v2.Event.get}. Each bot is
 * polled by one replica at a time (a lease on its row); fetched events are queued and the new
 * {@code nextOffset} stored in one transaction, so an event is neither lost nor handled twice.
 */
@ApplicationScoped
public class FetchPoller {

    private static final Logger LOG = Logger.getLogger(FetchPoller.class);
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration SPREAD = Duration.ofMillis(500);
    private static final int PAGE = 100;
    private static final String EVENT_GET = "imbot.v2.Event.get";
    /** Past this many quiet polls the pause stays at the idle one; the stored count stops growing. */
    private static final int QUIET_POLLS_CAP = 1_000;

    private final String owner = "poller-" + UUID.randomUUID();
    private final ExecutorService pollers = Executors.newVirtualThreadPerTaskExecutor();
    private final BotRepository bots;
    private final BitrixClient bitrix;
    private final BotEventQueue events;
    private final BotsConfig config;
    private final B24Config rest;
    /** Consecutive failed polls per bot row, on this replica; a successful poll clears its entry. */
    private final Map<Long, Integer> failures = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    FetchPoller(BotRepository bots, BitrixClient bitrix, BotEventQueue events, BotsConfig config, B24Config rest,
            MeterRegistry meters, MessageDedup dedup) {
        this.dedup = dedup;
        this.bots = bots;
        this.meters = meters;
        this.rest = rest;
        this.bitrix = bitrix;
        this.events = events;
        this.config = config;
    }


    private final MessageDedup dedup;
    private volatile boolean stopped;
    private final AtomicInteger inFlight = new AtomicInteger();

    @Scheduled(every = "${b24.polling.tick:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.polling().enabled() || stopped) {
            return;
        }
        int free = config.polling().concurrency() - inFlight.get();
        if (free <= 0) {
            return;
        }
        List<FetchLease> due;
        try {
            due = claimDue(free);
        } catch (RuntimeException e) {
            // The database is unreachable: try again at the next tick, without a stack trace every second.
            LOG.debugf("Fetch polling paused: %s", e.getClass().getSimpleName());
            return;
        }
        for (int i = 0; i < due.size(); i++) {
            FetchLease bot = due.get(i);
            // Spread over the first half of the tick: started together, a tick's polls came back
            // together and their transactions took the whole connection pool for a moment, a
            // stall every second for the events arriving then.
            long startAfterNanos = SPREAD.toNanos() * i / due.size();
            inFlight.incrementAndGet();
            pollers.execute(() -> {
                try (PortalLogContext log = PortalLogContext.of(bot.memberId())) {
                    if (startAfterNanos > 0) {
                        Thread.sleep(Duration.ofNanos(startAfterNanos));
                    }
                    poll(bot);
                } catch (InterruptedException e) {
                    // Shutting down: the lease runs out and the bot is polled again, here or elsewhere.
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        pollers.shutdown();
        try {
            pollers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<FetchLease> claimDue(int max) {
        return bots.leaseDueForFetch(owner, LEASE, max);
    }

    /** One page of events for one bot; the lease is released with the next poll time. */
    void poll(FetchLease bot) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("botId", bot.botId());
        if (bot.offset() != null) {
            params.put("offset", bot.offset());
        }
        params.put("limit", PAGE);
        Page page;
        try {
            page = read(bitrix.call(bot.memberId(), EVENT_GET, params), bot);
        } catch (BitrixException | OAuthUnavailableException e) {
            String code = e instanceof BitrixException b ? b.code() : "OAUTH_UNAVAILABLE";
            // A malformed page is more likely a glitch than a state: it backs off like a transient failure.
            boolean permanent = e instanceof BitrixException b && !b.isTransient()
                    && !BitrixException.MALFORMED_ANSWER.equals(b.code());
            Instant next = afterFailure(bot, permanent, e instanceof BitrixException b ? b.retryAfter() : null);
            if (e instanceof BitrixException b && BitrixException.MALFORMED_ANSWER.equals(b.code())) {
                LOG.warnf("Polling bot %d of portal %s: %s; next try at %s", bot.botId(), bot.memberId(), e.getMessage(), next);
            } else {
                LOG.debugf("Polling bot %d of portal %s failed: %s", bot.botId(), bot.memberId(), code);
            }
            release(bot, next);
            return;
        } catch (PortalUnavailableException e) {
            release(bot, Instant.now().plus(Duration.ofMinutes(5)));
            return;
        } catch (RuntimeException e) {
            // Nothing may escape to the executor: the lease would hold the bot for a minute without a trace.
            LOG.warnf("Polling bot %d of portal %s failed: %s", bot.botId(), bot.memberId(), e.toString());
            release(bot, afterFailure(bot, false, null));
            return;
        }
        failures.remove(bot.rowId());
        // hasMore with an offset that does not move would poll the same page at the busy pace for ever.
        boolean busy = page.hasMore() && (bot.offset() == null || page.nextOffset() > bot.offset());
        // Counted in the bot's row: a restart or another replica continues the pace instead of starting over.
        int quietPolls = page.events().isEmpty() ? Math.min(bot.quietPolls(), QUIET_POLLS_CAP) + 1 : 0;
        meters.counter("b24.fetch.polls", "outcome", quietPolls == 0 ? "events" : "empty").increment();
        Instant next = Instant.now().plus(busy ? config.polling().busyInterval()
                : pauseAfter(quietPolls, config.polling().interval(), config.polling().idleInterval()));
        if (page.events().isEmpty()) {
            // Nothing but the next poll time is stored: a database crash losing it only brings the poll forward.
            bots.advanceQuietFetch(bot.rowId(), owner, page.nextOffset(), quietPolls, next);
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            if (!bots.advanceFetch(bot.rowId(), owner, page.nextOffset(), quietPolls, next)) {
                // Another replica took the bot over (or it was deleted): leave the events to it.
                QuarkusTransaction.setRollbackOnly();
                return;
            }
            for (JsonNode event : page.events()) {
                String message = MessageIdentity.ofFetched(event.path("type").asText(), event.path("data"));
                if (message != null && !dedup.firstDelivery(bot.memberId(), message)) {
                    // Taken in already by a webhook (the bot was switched to fetch mode a moment ago).
                    continue;
                }
                if (!events.enqueue(bot.memberId(), event.path("type").asText(), event.path("data"))) {
                    // The portal's queue is full: its events wait in Bitrix24 (offset unchanged) until it drains.
                    LOG.infof("Portal %s has too many events waiting; bot %d is read again later", bot.memberId(), bot.botId());
                    QuarkusTransaction.setRollbackOnly();
                    return;
                }
            }
        });
    }

    /** What one imbot.v2.Event.get answer says, checked: MALFORMED_ANSWER instead of a NullPointerException. */
    record Page(JsonNode events, boolean hasMore, long nextOffset) {
    }

    static Page read(BitrixResponse answer, FetchLease bot) {
        JsonNode result = answer.requireObject(EVENT_GET);
        JsonNode events = BitrixResponse.optionalArray(result, "events", EVENT_GET);
        for (JsonNode event : events) {
            if (!event.isObject() || !event.path("type").isTextual()) {
                throw BitrixException.malformed(EVENT_GET, "an event without a type");
            }
        }
        boolean hasMore = BitrixResponse.optionalBoolean(result, "hasMore", false, EVENT_GET);
        long nextOffset = BitrixResponse.requireLong(result, "nextOffset", EVENT_GET);
        if (bot.offset() != null && nextOffset < bot.offset()) {
            throw BitrixException.malformed(EVENT_GET, "a nextOffset before the offset it was given");
        }
        return new Page(events, hasMore, nextOffset);
    }

    /**
     * The pause before the next poll of a bot whose last {@code quietPolls} polls found nothing: the
     * interval while it is active, growing (doubling) to {@code idle} while it stays quiet, so an idle
     * fleet costs about one call per bot every {@code idle} and a bot that just spoke is read again soon.
     */
    public static Duration pauseAfter(int quietPolls, Duration interval, Duration idle) {
        if (quietPolls <= 1 || idle.compareTo(interval) <= 0) {
            return interval;
        }
        Duration grown = interval.multipliedBy(1L << Math.min(quietPolls - 1, 16));
        return grown.compareTo(idle) > 0 ? idle : grown;
    }

    /**
     * When to poll a bot again after its n-th failure in a row: the interval (twelve of them for a
     * permanent failure) doubled per failure, at most {@code b24.rest.breaker-max-pause}, never before
     * a time Bitrix24 or the portal's breaker named.
     */
    private Instant afterFailure(FetchLease bot, boolean permanent, Instant notBefore) {
        meters.counter("b24.fetch.polls", "outcome", "failed").increment();
        int failed = failures.merge(bot.rowId(), 1, Integer::sum);
        Duration base = config.polling().interval().multipliedBy(permanent ? 12 : 1);
        Duration max = rest.rest().breakerMaxPause();
        Instant next = Instant.now().plus(Backoff.delay(failed, base, max.compareTo(base) > 0 ? max : base));
        return notBefore != null && notBefore.isAfter(next) ? notBefore : next;
    }

    private void release(FetchLease bot, Instant next) {
        bots.releaseFetch(bot.rowId(), owner, next);
    }
}
