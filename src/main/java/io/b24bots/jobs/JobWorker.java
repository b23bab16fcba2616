package io.b24bots.jobs;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.b24bots.support.Tracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/** This replica's taker of jobs, started with the application and stopped gracefully with it. */
@ApplicationScoped
public class JobWorker {

    private static final Logger LOG = Logger.getLogger(JobWorker.class);

    private final JobsConfig config;
    private final JobStore store;
    private final JobSignal signal;
    private final Instance<JobHandler> handlers;
    private final MeterRegistry meters;
    private final JobErrors errors;
    private final AtomicLong waiting = new AtomicLong();
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong oldestWaitingSeconds = new AtomicLong();
    private volatile JobRunner runner;

    /** What readiness reports about this replica's worker. */
    public enum State {
        /** {@code b24.jobs.enabled=false}. */
        DISABLED,
        /** Stopped on purpose ({@link #pause()}, shutdown). */
        PAUSED,
        RUNNING,
        /** Should run, but its dispatcher loop is gone. */
        DEAD
    }

    private final Tracer tracer;

    JobWorker(JobsConfig config, JobStore store, JobSignal signal, @Any Instance<JobHandler> handlers, MeterRegistry meters,
            JobErrors errors, Tracing tracing) {
        this.tracer = tracing.tracer();
        this.config = config;
        this.errors = errors;
        this.store = store;
        this.signal = signal;
        this.handlers = handlers;
        this.meters = meters;
        Gauge.builder("b24.jobs.waiting", waiting, AtomicLong::get).description("Jobs queued, due now or later").register(meters);
        Gauge.builder("b24.jobs.running", running, AtomicLong::get).description("Jobs leased by a replica").register(meters);
        Gauge.builder("b24.jobs.oldest.waiting.seconds", oldestWaitingSeconds, AtomicLong::get)
                .description("Age of the oldest due job that no replica has taken yet").register(meters);
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            LOG.info("Job worker disabled on this replica (b24.jobs.enabled=false)");
            return;
        }
        resume();
    }

    void stop(@Observes ShutdownEvent event) {
        pause();
    }

    /** Stops taking jobs here, letting running ones finish (drain before maintenance). */
    public synchronized void pause() {
        JobRunner stopping = runner;
        if (stopping != null) {
            // Paused from here on, also while running jobs finish: readiness must not see a dead worker.
            runner = null;
            stopping.stop(config.shutdownGrace());
        }
    }

    /** Takes jobs again, as a fresh runner (what a restarted replica does). */
    public synchronized void resume() {
        if (runner == null && config.enabled()) {
            runner = newRunner(workerName());
            runner.start();
        }
    }

    /** This replica's runner, or null while it takes no jobs (disabled, paused, stopping). */
    JobRunner runner() {
        return runner;
    }

    public State state() {
        if (!config.enabled()) {
            return State.DISABLED;
        }
        JobRunner current = runner;
        if (current == null) {
            return State.PAUSED;
        }
        return current.dispatching() ? State.RUNNING : State.DEAD;
    }

    /** A runner with every registered handler; tests use several to act as several replicas. */
    public JobRunner newRunner(String workerId) {
        Map<String, JobHandler> byKind = new HashMap<>();
        for (JobHandler handler : handlers) {
            if (byKind.put(handler.kind(), handler) != null) {
                throw new IllegalStateException("Two job handlers for kind " + handler.kind());
            }
        }
        return new JobRunner(workerId, store, byKind, config, signal, meters, errors, tracer);
    }

    /** Queue depth and age for the gauges, read every few seconds rather than on every scrape. */
    @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void measureQueue() {
        try {
            JobStore.QueueStats stats = store.stats();
            waiting.set(stats.waiting());
            running.set(stats.running());
            oldestWaitingSeconds.set(stats.oldestDueSeconds());
        } catch (RuntimeException e) {
            LOG.debugf("Queue statistics unavailable: %s", e.getClass().getSimpleName());
        }
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        int purged = store.purgeFinished(config.retention());
        if (purged > 0) {
            LOG.infof("Purged %d finished jobs", purged);
        }
    }

    private String workerName() {
        String base = config.workerName().orElseGet(() -> ManagementFactory.getRuntimeMXBean().getName());
        return (base.length() > 60 ? base.substring(0, 60) : base) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
