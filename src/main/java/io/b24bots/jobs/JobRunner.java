package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.b24bots.support.CounterFamily;
import io.b24bots.support.JobTraces;
import io.b24bots.support.PortalLogContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import org.jboss.logging.Logger;

/**
 * One taker of jobs from the shared queue: a dispatcher loop that leases due jobs, runs each on a
 * virtual thread while renewing its lease, and records the outcome only if the lease is still its
 * own. Several runners, in one process or many, share the queue safely. Nothing a handler throws,
 * not even an {@link Error}, ends the dispatcher or leaves a job unrecorded.
 */
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    /**
     * How long outcomes of finished jobs may wait for others before a round records them. Jobs leased
     * at insert end a few thousand times a second: one round each was a transaction each. A portal's
     * next queued job waits for its previous one's outcome, so this is kept short.
     */
    static final Duration OUTCOMES_GATHER = Duration.ofMillis(5);

    private final String workerId;
    private final JobStore store;
    private final Map<String, JobHandler> handlers;
    private final JobsConfig config;
    private final JobSignal signal;
    private final CounterFamily completions;
    private final JobErrors errors;
    private final JobOutcomes outcomes;
    private final LeaseRenewals leases;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Jobs that ended done, recorded by the dispatcher's next round together with its claim. */
    private final ConcurrentLinkedQueue<QueuedJob> finished = new ConcurrentLinkedQueue<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService heartbeats;
    private volatile boolean running;
    private volatile Thread dispatcher;

    private final Tracer tracer;

    public JobRunner(String workerId, JobStore store, Map<String, JobHandler> handlers, JobsConfig config, JobSignal signal,
            MeterRegistry meters, JobErrors errors, Tracer tracer) {
        this.tracer = tracer;
        this.completions = new CounterFamily(meters, "b24.jobs.completed", "kind", "outcome");
        this.workerId = workerId;
        this.store = store;
        this.handlers = handlers;
        this.config = config;
        this.signal = signal;
        this.errors = errors;
        this.outcomes = new JobOutcomes(workerId, store, config, errors);
        this.leases = new LeaseRenewals(workerId, store, config);
        ScheduledThreadPoolExecutor heartbeats = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("job-lease-" + workerId).factory());
        // Most runs end long before their first renewal: a cancelled one leaves the queue at once instead
        // of waiting out its delay (a third of the lease), which at thousands of jobs a second kept tens of
        // thousands of dead tasks in the heap and in every insert's sift.
        heartbeats.setRemoveOnCancelPolicy(true);
        this.heartbeats = heartbeats;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        dispatcher = Thread.ofVirtual().name("job-dispatcher-" + workerId).start(this::dispatch);
    }

    /** Whether this runner was started, not stopped, and its dispatcher loop is still alive. */
    public boolean dispatching() {
        Thread current = dispatcher;
        return running && current != null && current.isAlive();
    }

    /** Stops taking jobs and waits up to {@code grace} for running ones; unfinished ones go back via their lease. */
    public void stop(Duration grace) {
        running = false;
        signal.wake();
        Thread current = dispatcher;
        if (current != null) {
            current.interrupt();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Worker %s stopped with %d jobs still running; their leases will expire", workerId, inFlight.get());
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            List<QueuedJob> done = drainFinished();
            record(done, store.completeAll(workerId, done));
        } catch (RuntimeException e) {
            LOG.warnf("Worker %s stopped without recording finished jobs (%s); their leases will expire", workerId,
                    e.getClass().getSimpleName());
        }
        heartbeats.shutdownNow();
    }

    private void dispatch() {
        try {
            while (running) {
                try {
                    int free = config.concurrency() - inFlight.get();
                    List<QueuedJob> done = drainFinished();
                    JobStore.Round round;
                    try {
                        round = store.completeAndClaim(workerId, done, Math.max(free, 0), config.lease());
                    } catch (RuntimeException | Error e) {
                        finished.addAll(done);
                        throw e;
                    }
                    record(done, round.completed());
                    List<QueuedJob> jobs = round.claimed();
                    int taken = jobs.size();
                    for (List<QueuedJob> unit : withFollowers(jobs)) {
                        submit(unit);
                    }
                    if ((taken == 0 || taken == free) && !signal.await(config.pollInterval())) {
                        // Only jobs that finished here: their outcomes wait a moment for company, so
                        // a round records many; committed work cuts the wait short.
                        signal.awaitWork(OUTCOMES_GATHER);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Throwable e) {
                    if (!running) {
                        return;
                    }
                    if (e instanceof Error) {
                        errors.seen(e, "dispatcher");
                        LOG.errorf("Job dispatcher %s hit %s; it keeps going", workerId, e.getClass().getName());
                    } else {
                        LOG.warnf("Job queue unavailable (%s); retrying", e.getClass().getSimpleName());
                    }
                    if (!pause(config.pollInterval())) {
                        return;
                    }
                }
            }
        } finally {
            if (running) {
                LOG.errorf("Job dispatcher %s ended while the worker should run", workerId);
            }
        }
    }

    /**
     * Each claimed job as a unit of its own, except where its handler takes several of a portal's
     * jobs at once: then the head and the same portal's next due jobs of its kind, leased now.
     */
    private List<List<QueuedJob>> withFollowers(List<QueuedJob> heads) {
        List<List<QueuedJob>> units = new ArrayList<>();
        Map<String, List<QueuedJob>> groupable = new HashMap<>();
        for (QueuedJob head : heads) {
            List<QueuedJob> unit = new ArrayList<>(List.of(head));
            units.add(unit);
            JobHandler handler = handlers.get(head.kind());
            if (handler != null && handler.groupSize() > 1) {
                groupable.put(head.memberId() + "\n" + head.kind(), unit);
            }
        }
        Map<String, List<QueuedJob>> byKind = new HashMap<>();
        groupable.values().forEach(unit -> byKind.computeIfAbsent(unit.getFirst().kind(), k -> new ArrayList<>()).add(unit.getFirst()));
        byKind.forEach((kind, kindHeads) -> {
            try {
                for (QueuedJob follower : store.claimFollowers(workerId, kindHeads, handlers.get(kind).groupSize() - 1,
                        config.lease())) {
                    groupable.get(follower.memberId() + "\n" + follower.kind()).add(follower);
                }
            } catch (RuntimeException e) {
                // The heads are leased already: they run alone rather than wait for their leases to run out.
                LOG.warnf("Could not take more %s jobs with the ones claimed (%s)", kind, e.getClass().getSimpleName());
            }
        });
        return units;
    }

    private void submit(List<QueuedJob> unit) {
        inFlight.incrementAndGet();
        start(unit);
    }

    /**
     * Holds up to {@code wanted} slots for jobs leased to this worker as they are inserted
     * ({@link JobOffers}), while fewer than half of its slots are taken: the other half is always
     * left to the claim, so what waits in the queue (a busy portal's backlog, retries) is taken
     * however fast events arrive. Returns how many it holds; each is used by {@link #runLeased} or
     * given back by {@link #release}.
     */
    int reserve(int wanted) {
        int limit = config.concurrency() / 2;
        while (running) {
            int taken = inFlight.get();
            int granted = Math.min(wanted, limit - taken);
            if (granted <= 0) {
                return 0;
            }
            if (inFlight.compareAndSet(taken, taken + granted)) {
                return granted;
            }
        }
        return 0;
    }

    /** Gives back slots {@link #reserve} held that no job took. */
    void release(int slots) {
        if (slots > 0) {
            inFlight.addAndGet(-slots);
            signal.finished();
        }
    }

    /** A job this worker leased as it was inserted ({@code attempt} 1, lease from {@code leasedAtNanos}). */
    QueuedJob leasedAtInsert(long id, String kind, String memberId, String payload, String traceParent, Instant createdAt,
            long leasedAtNanos) {
        return new QueuedJob(id, kind, memberId, payload, traceParent, 1, createdAt, store, workerId, config.lease(), leasedAtNanos);
    }

    /** Runs a job leased at insert in a slot {@link #reserve} held for it. */
    void runLeased(QueuedJob job) {
        start(List.of(job));
    }

    String workerId() {
        return workerId;
    }

    Duration lease() {
        return config.lease();
    }

    /** Runs a unit in a slot already counted in {@link #inFlight}. */
    private void start(List<QueuedJob> unit) {
        try {
            executor.execute(() -> {
                try {
                    if (unit.size() == 1) {
                        execute(unit.getFirst());
                    } else {
                        executeGroup(unit);
                    }
                } finally {
                    inFlight.decrementAndGet();
                    signal.finished();
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            handBack(unit);
        }
    }

    /**
     * Stopping: jobs leased here that will not run here go back to the queue for another worker now
     * (an event leased at insert can commit while the worker stops); where that fails, they are
     * taken when their lease runs out.
     */
    private void handBack(List<QueuedJob> unit) {
        for (QueuedJob job : unit) {
            try {
                store.retry(job.id(), workerId, job.attempt(), Duration.ZERO, "its worker stopped before running it");
            } catch (RuntimeException e) {
                LOG.debugf("%s stays leased until its lease runs out (%s)", job, e.getClass().getSimpleName());
            }
        }
    }

    private static boolean pause(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs one leased job to its outcome, with the portal's member_id on every log line. */
    void execute(QueuedJob job) {
        try (PortalLogContext log = PortalLogContext.of(job.memberId())) {
            String outcome = run(job);
            if (outcome != null) {
                completions.increment(job.kind(), outcome);
            }
        } catch (Throwable e) {
            // Recording the outcome failed (database gone, or out of memory again): the lease runs
            // out and the job is taken again, as after a crash.
            LOG.warnf("Outcome of %s not recorded (%s); its lease will expire", job, e.getClass().getName());
        }
    }

    /**
     * Runs one portal's jobs through their handler's {@link JobHandler#runGroup}: one lease renewal
     * for all of them; the finished ones are recorded done with the dispatcher's next claim, each
     * other one by the same policy as a job run alone.
     */
    void executeGroup(List<QueuedJob> jobs) {
        try (PortalLogContext log = PortalLogContext.of(jobs.getFirst().memberId())) {
            long renewEvery = Math.max(1, config.lease().toMillis() / 3);
            ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> leases.renewAll(jobs), renewEvery, renewEvery,
                    TimeUnit.MILLISECONDS);
            Map<QueuedJob, RuntimeException> failures;
            Span span = span(jobs.getFirst(), jobs.subList(1, jobs.size()));
            try (Scope traced = span.makeCurrent()) {
                failures = handlers.get(jobs.getFirst().kind()).runGroup(jobs);
                if (!failures.isEmpty()) {
                    span.setStatus(StatusCode.ERROR, failures.size() + " of " + jobs.size() + " jobs failed");
                }
            } catch (Throwable e) {
                span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
                if (e instanceof Error) {
                    errors.seen(e, "handler");
                }
                failures = new HashMap<>();
                for (QueuedJob job : jobs) {
                    failures.put(job, e instanceof RuntimeException r ? r : new IllegalStateException(e.getClass().getName(), e));
                }
            } finally {
                span.end();
                heartbeat.cancel(false);
            }
            JobHandler handler = handlers.get(jobs.getFirst().kind());
            for (QueuedJob job : jobs) {
                RuntimeException failure = failures.get(job);
                if (failure == null) {
                    finished(job, handler);
                } else {
                    completions.increment(job.kind(), outcomes.outcome(job, failure));
                }
            }
        } catch (Throwable e) {
            LOG.warnf("Outcome of %d jobs of portal %s not recorded (%s); their leases will expire", jobs.size(),
                    jobs.getFirst().memberId(), e.getClass().getName());
        }
    }

    /** A job its handler finished, recorded with the dispatcher's next round (deleted there if its kind keeps none). */
    private void finished(QueuedJob job, JobHandler handler) {
        if (!handler.keepsFinishedJobs()) {
            job.deleteWhenDone();
        }
        finished.add(job);
    }

    private List<QueuedJob> drainFinished() {
        List<QueuedJob> done = new ArrayList<>();
        for (QueuedJob job = finished.poll(); job != null; job = finished.poll()) {
            done.add(job);
        }
        return done;
    }

    /** Counts the finished jobs the store recorded done, and the ones it no longer held (lost). */
    private void record(List<QueuedJob> done, Set<Long> completed) {
        for (QueuedJob job : done) {
            String outcome = outcomes.recorded(job, completed.contains(job.id()), "done");
            completions.increment(job.kind(), outcome);
        }
    }

    /**
     * Returns the outcome: retry, failed or lost (another worker holds the job now and records it);
     * null when the job is done, which the dispatcher records with its next claim.
     */
    private String run(QueuedJob job) {
        JobHandler handler = handlers.get(job.kind());
        if (handler == null) {
            LOG.errorf("Job %d of unknown kind %s marked failed", job.id(), job.kind());
            return outcomes.recorded(job, store.fail(job.id(), workerId, job.attempt(), "no handler for job kind " + job.kind()), "failed");
        }
        long renewEvery = Math.max(1, config.lease().toMillis() / 3);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> leases.renew(job), renewEvery, renewEvery,
                TimeUnit.MILLISECONDS);
        Span span = span(job, List.of());
        try (Scope traced = span.makeCurrent()) {
            handler.run(job);
            finished(job, handler);
            return null;
        } catch (Throwable e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            return outcomes.outcome(job, e);
        } finally {
            span.end();
            heartbeat.cancel(false);
        }
    }

    /**
     * The span of a run: it continues the trace of the request that queued {@code job} (the event's
     * arrival), and links the traces of the other jobs run with it; the portal is an attribute, never a
     * payload (it may hold a message's text).
     */
    private Span span(QueuedJob job, List<QueuedJob> others) {
        SpanBuilder builder = tracer.spanBuilder("job " + job.kind()).setSpanKind(SpanKind.CONSUMER)
                .setParent(JobTraces.parent(job.traceParent()))
                .setAttribute("b24.member_id", job.memberId())
                .setAttribute("b24.job.kind", job.kind())
                .setAttribute("b24.job.id", job.id())
                .setAttribute("b24.job.attempt", (long) job.attempt());
        if (!others.isEmpty()) {
            builder.setAttribute("b24.job.group", (long) others.size() + 1);
            for (QueuedJob other : others) {
                SpanContext linked = Span.fromContext(JobTraces.parent(other.traceParent())).getSpanContext();
                if (linked.isValid()) {
                    builder.addLink(linked);
                }
            }
        }
        return builder.startSpan();
    }
}
