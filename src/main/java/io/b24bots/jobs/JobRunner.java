package io.b24bots.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.b24bots.support.PortalLogContext;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

/**
 * One taker of jobs from the shared queue: a dispatcher loop that leases due jobs, runs each on a
 * virtual thread while renewing its lease, and records the outcome only if the lease is still its
 * own. Several runners, in one process or many, share the queue safely. Nothing a handler throws,
 * not even an {@link Error}, ends the dispatcher or leaves a job unrecorded.
 */
public class JobRunner {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final String workerId;
    private final JobStore store;
    private final Map<String, JobHandler> handlers;
    private final JobsConfig config;
    private final JobSignal signal;
    private final MeterRegistry meters;
    private final JobErrors errors;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService heartbeats;
    private volatile boolean running;
    private volatile Thread dispatcher;

    public JobRunner(String workerId, JobStore store, Map<String, JobHandler> handlers, JobsConfig config, JobSignal signal,
            MeterRegistry meters, JobErrors errors) {
        this.meters = meters;
        this.workerId = workerId;
        this.store = store;
        this.handlers = handlers;
        this.config = config;
        this.signal = signal;
        this.errors = errors;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("job-lease-" + workerId).factory());
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
        heartbeats.shutdownNow();
    }

    private void dispatch() {
        try {
            while (running) {
                try {
                    int free = config.concurrency() - inFlight.get();
                    int taken = 0;
                    if (free > 0) {
                        List<QueuedJob> jobs = store.claim(workerId, free, config.lease());
                        taken = jobs.size();
                        for (QueuedJob job : jobs) {
                            submit(job);
                        }
                    }
                    if (taken == 0 || taken == free) {
                        signal.await(config.pollInterval());
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

    private void submit(QueuedJob job) {
        inFlight.incrementAndGet();
        try {
            executor.execute(() -> {
                try {
                    execute(job);
                } finally {
                    inFlight.decrementAndGet();
                    signal.wake();
                }
            });
        } catch (RejectedExecutionException e) {
            // Stopping: the job stays leased and goes to another worker when its lease runs out.
            inFlight.decrementAndGet();
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
            meters.counter("b24.jobs.completed", "kind", job.kind(), "outcome", outcome).increment();
        } catch (Throwable e) {
            // Recording the outcome failed (database gone, or out of memory again): the lease runs
            // out and the job is taken again, as after a crash.
            LOG.warnf("Outcome of %s not recorded (%s); its lease will expire", job, e.getClass().getName());
        }
    }

    /** Returns the outcome: done, retry, failed or lost (another worker holds the job now and records it). */
    private String run(QueuedJob job) {
        JobHandler handler = handlers.get(job.kind());
        if (handler == null) {
            LOG.errorf("Job %d of unknown kind %s marked failed", job.id(), job.kind());
            return recorded(job, store.fail(job.id(), workerId, job.attempt(), "no handler for job kind " + job.kind()), "failed");
        }
        long renewEvery = Math.max(1, config.lease().toMillis() / 3);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> renew(job), renewEvery, renewEvery,
                TimeUnit.MILLISECONDS);
        try {
            handler.run(job);
            return recorded(job, store.complete(job.id(), workerId, job.attempt()), "done");
        } catch (LeaseLostException e) {
            LOG.infof("Stopped %s: another worker holds it now", job);
            return "lost";
        } catch (RetryJobLater e) {
            return failed(job, e.delay(), e.getMessage(), e);
        } catch (RuntimeException e) {
            if (!(e instanceof JobFailure failure)) {
                return failed(job, Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()),
                        e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
            return switch (failure.jobFailureKind()) {
                case SKIP -> {
                    LOG.infof("%s skipped: %s", job, failure.jobFailureCode());
                    yield recorded(job, store.complete(job.id(), workerId, job.attempt()), "done");
                }
                case PERMANENT -> {
                    LOG.warnf("%s failed for good: %s", job, e.getMessage());
                    yield recorded(job, store.fail(job.id(), workerId, job.attempt(), e.getMessage()), "failed");
                }
                case TRANSIENT -> failed(job, failure.retryDelay() != null ? failure.retryDelay()
                        : Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()), e.getMessage(), e);
            };
        } catch (Throwable e) {
            if (e instanceof Error) {
                errors.seen(e, "handler");
            }
            return failed(job, Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()),
                    e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            heartbeat.cancel(false);
        }
    }

    /**
     * The one failure policy: a run that did not finish, whether it asked to be retried later or
     * threw, is retried after {@code delay} until it used {@code b24.jobs.max-attempts} runs, then failed.
     */
    private String failed(QueuedJob job, Duration delay, String reason, Throwable cause) {
        if (job.attempt() >= config.maxAttempts()) {
            if (cause instanceof RetryJobLater) {
                LOG.errorf("%s failed for good: still asking to be retried after %d attempts (%s)", job, job.attempt(), reason);
            } else {
                LOG.errorf(cause, "%s failed for good after %d attempts", job, job.attempt());
            }
            return recorded(job, store.fail(job.id(), workerId, job.attempt(),
                    "gave up after " + job.attempt() + " attempts: " + reason), "failed");
        }
        if (cause instanceof Error) {
            LOG.errorf("%s failed: %s; retried in %s", job, cause.getClass().getName(), delay);
        } else if (!(cause instanceof RetryJobLater)) {
            LOG.warnf("%s failed: %s", job, cause.toString());
        }
        return recorded(job, store.retry(job.id(), workerId, job.attempt(), delay, reason), "retry");
    }

    /** An outcome the store refused was not ours to record: the job was taken over meanwhile. */
    private String recorded(QueuedJob job, boolean stored, String outcome) {
        if (stored) {
            return outcome;
        }
        job.markLeaseLost();
        LOG.warnf("%s ended (%s) but is no longer this worker's (taken over or removed); nothing recorded", job, outcome);
        return "lost";
    }

    private void renew(QueuedJob job) {
        if (job.leaseLost()) {
            return;
        }
        try {
            if (!store.renew(job.id(), workerId, job.attempt(), config.lease())) {
                job.markLeaseLost();
                LOG.warnf("Lease of %s lost to another worker; its handler can no longer confirm it", job);
            }
        } catch (Throwable e) {
            // The next renewal tries again; the lease outlives two missed ones.
            LOG.debugf("Lease renewal of job %d failed: %s", job.id(), e.getClass().getSimpleName());
        }
    }
}
