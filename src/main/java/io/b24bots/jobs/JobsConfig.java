package io.b24bots.jobs;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How this replica runs the shared job queue. */
@ConfigMapping(prefix = "b24.jobs")
public interface JobsConfig {

    /**
     * Names this replica in the queue's lease column (e.g. the pod name); a random suffix keeps
     * restarts apart. Defaults to the JVM's pid@host.
     */
    java.util.Optional<String> workerName();

    /** Whether this replica takes jobs at all. */
    @WithDefault("true")
    boolean enabled();

    /** Jobs this replica runs at once. */
    @WithDefault("8")
    int concurrency();

    /** A taken job is the taker's for this long, renewed while it runs; a dead taker's job is free after it. */
    @WithDefault("PT60S")
    Duration lease();

    /** How often to look for jobs nobody announced (after a crash, retries coming due). */
    @WithDefault("PT2S")
    Duration pollInterval();

    /** Runs of a job that ended in an unexpected error before it is marked failed. */
    @WithDefault("10")
    int maxAttempts();

    /** How long finished jobs are kept. */
    @WithDefault("P7D")
    Duration retention();

    /** How long a stopping replica waits for running jobs before leaving them to another replica. */
    @WithDefault("PT20S")
    Duration shutdownGrace();
}
