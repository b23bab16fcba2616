package io.b24bots.jobs;

import java.time.Duration;

/**
 * A failure that says what the queue should do about it, so handlers need no catch blocks of their
 * own: the runner retries a {@link Kind#TRANSIENT} one with back-off, ends the job quietly on
 * {@link Kind#SKIP} (nothing can be done for this portal now), and fails it with its code on
 * {@link Kind#PERMANENT}. Other exceptions count as transient.
 */
public interface JobFailure {

    enum Kind { TRANSIENT, SKIP, PERMANENT }

    Kind jobFailureKind();

    /** A short code for the job row and the logs; never a secret. */
    String jobFailureCode();

    /** The earliest sensible retry when the failure says so; null for the configured back-off. */
    default Duration retryDelay() {
        return null;
    }
}
