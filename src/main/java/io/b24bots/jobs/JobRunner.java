package io.b24bots.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.b24bots.web.PortalLogContext;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One taker of jobs from the shared queue: a dispatcher loop that leases due jobs, runs each on a
 * virtual thread while renewing its lease, and records the outcome only if the lease is still its
 * own. Several runners, in one process or many, share the queue safely.
 */
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final String workerId;
    private final JobStore store;
    private final Map<String, JobHandler> handlers;
    private final JobsConfig config;
    private final JobSignal signal;
    private final MeterRegistry meters;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService heartbeats;
    private volatile boolean running;
    private Thread dispatcher;

    public JobRunner(String workerId, JobStore store, Map<String, JobHandler> handlers, JobsConfig config, JobSignal signal,
            MeterRegistry meters) {
        this.meters = meters;
        this.workerId = workerId;
        this.store = store;
        this.handlers = handlers;
        this.config = config;
        this.signal = signal;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("job-lease-" + workerId).factory());
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        dispatcher = Thread.ofVirtual().name("job-dispatcher-" + workerId).start(this::dispatch);
    }

    /** Stops taking jobs and waits up to {@code grace} for running ones; unfinished ones go back via their lease. */
    public void stop(Duration grace) {
        running = false;
        signal.wake();
        if (dispatcher != null) {
            dispatcher.interrupt();
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
        heartbeats.shutdownNow();
    }

    private void dispatch() {
        while (running) {
            try {
                int free = config.concurrency() - inFlight.get();
                int taken = 0;
                if (free > 0) {
                    List<QueuedJob> jobs = store.claim(workerId, free, config.lease());
                    taken = jobs.size();
                    for (QueuedJob job : jobs) {
                        inFlight.incrementAndGet();
                        executor.execute(() -> {
                            try {
                                execute(job);
                            } finally {
                                inFlight.decrementAndGet();
                                signal.wake();
                            }
                        });
                    }
                }
                if (taken == 0 || taken == free) {
                    signal.await(config.pollInterval());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Job queue unavailable (%s); retrying", e.getClass().getSimpleName());
                try {
                    Thread.sleep(config.pollInterval());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Runs one leased job to its outcome, with the portal's member_id on every log line. */
    void execute(QueuedJob job) {
        try (PortalLogContext log = PortalLogContext.of(job.memberId())) {
            meters.counter("b24.jobs.completed", "kind", job.kind(), "outcome", run(job)).increment();
        }
    }

    /** Returns the outcome: done, retry or failed. */
    private String run(QueuedJob job) {
        JobHandler handler = handlers.get(job.kind());
        if (handler == null) {
            store.fail(job.id(), workerId, "no handler for job kind " + job.kind());
            LOG.errorf("Job %d of unknown kind %s marked failed", job.id(), job.kind());
            return "failed";
        }
        long renewEvery = Math.max(1, config.lease().toMillis() / 3);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> {
            try {
                store.renew(job.id(), workerId, config.lease());
            } catch (RuntimeException e) {
                LOG.debugf("Lease renewal of job %d failed: %s", job.id(), e.getClass().getSimpleName());
            }
        }, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        try {
            handler.run(job);
            store.complete(job.id(), workerId);
            return "done";
        } catch (RetryJobLater e) {
            store.retry(job.id(), workerId, e.delay(), e.getMessage());
            return "retry";
        } catch (RuntimeException e) {
            if (job.attempt() >= config.maxAttempts()) {
                LOG.errorf(e, "Job %d (%s, portal %s) failed for good after %d attempts", job.id(), job.kind(),
                        job.memberId(), job.attempt());
                store.fail(job.id(), workerId, e.getClass().getSimpleName() + ": " + e.getMessage());
                return "failed";
            }
            LOG.warnf("Job %d (%s, portal %s) attempt %d failed: %s", job.id(), job.kind(), job.memberId(),
                    job.attempt(), e.toString());
            store.retry(job.id(), workerId, backoff(job.attempt()), e.getClass().getSimpleName() + ": " + e.getMessage());
            return "retry";
        } finally {
            heartbeat.cancel(false);
        }
    }

    static Duration backoff(int attempt) {
        long seconds = Math.min(900, 5L << Math.min(attempt, 8));
        return Duration.ofMillis(seconds * 1000 + ThreadLocalRandom.current().nextLong(seconds * 500 + 1));
    }
}
