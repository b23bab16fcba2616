package io.b24bots.jobs;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How this replica runs the shared job queue. */
@ConfigMapping(prefix = "b24.jobs")
public interface JobsConfig {

    /**
     * Names this replica in the queue's lease column (e.g. the pod name); a random suffix keeps
     * restarts apart. Defaults to the JVM's pid@host.
     */
    Optional<String> workerName();

    /** Whether this replica takes jobs at all. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Jobs this replica runs at once. Jobs wait on Bitrix24 far more than they compute and run on
     * virtual threads, holding a database connection only for their short transactions, so this is
     * sized for I/O (docs/OPERATIONS.md "Scaling": it is not the number of connections): a smaller
     * number queues a busy replica's events behind calls that slowed under load, delaying every reply
     * (bench/RESULTS-analysis.md has the measurement).
     */
    @WithDefault("128")
    int concurrency();

    /** A taken job is the taker's for this long, renewed while it runs; a dead taker's job is free after it. */
    @WithDefault("PT60S")
    Duration lease();

    /** How often to look for jobs nobody announced (after a crash, retries coming due). */
    @WithDefault("PT2S")
    Duration pollInterval();

    /**
     * Runs of a job before it is marked failed, whether they ended in an error or asked to be
     * retried later ({@link RetryJobLater}); a run whose lease ran out counts too.
     */
    @WithDefault("10")
    int maxAttempts();

    /** Wait before retrying a job after its first failed run; doubles with every further one. */
    @WithDefault("PT5S")
    Duration backoff();

    /** The longest wait between two runs of a failing job. */
    @WithDefault("PT15M")
    Duration maxBackoff();

    /**
     * Jobs a portal may have queued or running before {@link JobQueue#offer} refuses more, so one
     * portal's flood cannot fill the queue; the existing {@link JobQueue#enqueue} is not capped.
     */
    @WithDefault("5000")
    int maxQueuedPerPortal();

    /**
     * Bytes of payload a portal may have waiting in the queue before its offers are refused like past
     * {@link #maxQueuedPerPortal()}: events of half a megabyte each would otherwise let one portal
     * grow the database by gigabytes within the row cap.
     */
    @WithDefault("32M")
    MemorySize maxQueuedBytesPerPortal();

    /**
     * How long readiness stays DOWN after a JVM {@link Error} (out of memory, stack overflow) in a
     * job or in the dispatcher of this replica.
     */
    @WithDefault("PT5M")
    Duration errorWindow();

    /** How long finished jobs are kept. */
    @WithDefault("P7D")
    Duration retention();

    /** How long a stopping replica waits for running jobs before leaving them to another replica. */
    @WithDefault("PT20S")
    Duration shutdownGrace();

    /** A due job waiting longer than this, or a running one whose lease ran out, is listed as stuck in the console. */
    @WithDefault("PT5M")
    Duration stuckAfter();
}
