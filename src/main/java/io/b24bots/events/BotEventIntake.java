package io.b24bots.events;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.bot.messaging.BotEventQueue;
import io.b24bots.bot.messaging.MessageIdentity;
import io.b24bots.jobs.JobOffers;
import io.b24bots.jobs.JobQueue;
import io.b24bots.support.JobTraces;
import io.b24bots.support.PlainTransaction;
import io.opentelemetry.api.trace.Span;
import jakarta.inject.Singleton;

/**
 * Stores proven bot events: each event's dedup mark and its job commit together or not at all, so
 * a failed enqueue never turns Bitrix24's next delivery of the same event into a "duplicate".
 *
 * <p>Group commit: events arriving together are written in one transaction (one round trip that
 * marks, queues and commits them all, see JobQueue#offerAll) by whichever of their request threads
 * gets a writer slot first; every caller returns only after the transaction holding its event has
 * committed, so an event answered 200 is in PostgreSQL. Under light load a batch is one event and
 * nobody waits for company; under load the commits, not the events, are what the database counts.
 * The transaction is plain JDBC on a pooled connection in auto-commit: the transaction manager, an
 * ORM session or a separate commit per batch cost more than the statement, and nothing else takes
 * part in it.
 */
@Singleton
public class BotEventIntake {

    /** What became of an event. */
    public enum Outcome { QUEUED, DUPLICATE, PORTAL_FULL, NOT_INSTALLED }

    /** At most this many events per transaction: bounds the statement and what one failure touches. */
    static final int MAX_BATCH = 64;

    private record Pending(String memberId, String event, String dataJson, byte[] hash, String traceParent,
            CompletableFuture<Outcome> outcome) {
    }

    private final EventDedup dedup;
    private final BotEventQueue botEvents;
    private final ObjectMapper json;
    private final DataSource database;
    private final ConcurrentLinkedQueue<Pending> waiting = new ConcurrentLinkedQueue<>();
    /** Batches written at the same time ({@code b24.events.intake-writers}). */
    private final Semaphore writers;

    BotEventIntake(EventDedup dedup, BotEventQueue botEvents, ObjectMapper json, DataSource database, EventsConfig config) {
        this.writers = new Semaphore(Math.max(1, config.intakeWriters()));
        this.dedup = dedup;
        this.botEvents = botEvents;
        this.json = json;
        this.database = database;
    }

    /**
     * Blocks until the event is committed (or known to be a duplicate, or refused); callers run on
     * virtual threads. {@code data} is the event's {@code data} group as parsed: its tokens are
     * left out of what is stored.
     */
    public Outcome accept(String memberId, String event, Map<String, Object> data) {
        // Written once: the same text is hashed and stored.
        String dataJson = EventPayloads.canonicalJson(json, data);
        String message = MessageIdentity.ofWebhook(event, data);
        byte[] hash = message != null ? dedup.hash(memberId, EventDedup.MESSAGE, message) : dedup.hash(memberId, event, dataJson);
        // The request's span names its portal; its context is taken here, on the request's thread (the batch
        // may be written by another request's), for the job's run to continue.
        Span.current().setAttribute("b24.member_id", memberId);
        Pending mine = new Pending(memberId, event, dataJson, hash, JobTraces.current(), new CompletableFuture<>());
        waiting.add(mine);
        writers.acquireUninterruptibly();
        try {
            while (!mine.outcome().isDone()) {
                List<Pending> batch = drain();
                if (batch.isEmpty()) {
                    // Another writer holds this event and completes it; wait for that, never spin
                    // (a spinning virtual thread would keep that writer off the carrier threads).
                    break;
                }
                write(batch);
            }
        } finally {
            writers.release();
        }
        try {
            return mine.outcome().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        Pending next;
        while (batch.size() < MAX_BATCH && (next = waiting.poll()) != null) {
            batch.add(next);
        }
        return batch;
    }

    private void write(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            Outcome[] outcomes = commit(batch);
            // Only now, after the commit, may anyone answer 200.
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).outcome().complete(outcomes[i]);
            }
        } catch (RuntimeException | Error e) {
            // Every event of the batch must be completed one way or another: its caller waits for it.
            if (batch.size() == 1 || e instanceof Error) {
                batch.forEach(p -> p.outcome().completeExceptionally(e));
                return;
            }
            // One bad event must not fail its neighbours: write each alone, each gets its own answer.
            for (Pending one : batch) {
                write(List.of(one));
            }
        }
    }

    /**
     * Stores the batch in one round trip that commits it ({@link JobQueue#offerAll} in auto-commit);
     * once it has committed, this replica's worker starts the events it leased at insert and the
     * workers are told of the others.
     */
    private Outcome[] commit(List<Pending> batch) {
        JobOffers offers = botEvents.offers((int) batch.stream().map(Pending::memberId).distinct().count());
        Outcome[] outcomes;
        try {
            outcomes = PlainTransaction.autoCommitted(database, "store a batch of bot events", connection -> store(connection, batch, offers));
        } catch (RuntimeException | Error e) {
            // Also when the commit's outcome is unknown: a job that did commit leased to this worker
            // is taken by another claim once its lease runs out, as after a crash.
            offers.abandoned();
            throw e;
        }
        offers.committed();
        return outcomes;
    }

    private Outcome[] store(Connection connection, List<Pending> batch, JobOffers offers) throws SQLException {
        List<BotEventQueue.WebhookEvent> events = new ArrayList<>(batch.size());
        for (Pending event : batch) {
            events.add(new BotEventQueue.WebhookEvent(event.memberId(), event.event(), event.dataJson(), event.traceParent(),
                    event.hash()));
        }
        JobQueue.Offered offered = botEvents.acceptAll(connection, offers, events);
        Outcome[] outcomes = new Outcome[batch.size()];
        Set<ByteBuffer> refused = new HashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            if (offered.queued()[i]) {
                outcomes[i] = Outcome.QUEUED;
            } else if (offered.refused()[i]) {
                // Not remembered either, so the event is not a "duplicate" when the portal's queue has room again.
                refused.add(ByteBuffer.wrap(batch.get(i).hash()));
                outcomes[i] = refusal(offered, batch.get(i));
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            if (outcomes[i] == null) {
                // A second copy in the same batch shares its first copy's fate.
                outcomes[i] = refused.contains(ByteBuffer.wrap(batch.get(i).hash())) ? refusal(offered, batch.get(i)) : Outcome.DUPLICATE;
            }
        }
        return outcomes;
    }

    private static Outcome refusal(JobQueue.Offered offered, Pending event) {
        return offered.notInstalled().contains(event.memberId()) ? Outcome.NOT_INSTALLED : Outcome.PORTAL_FULL;
    }
}
