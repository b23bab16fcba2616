package io.b24bots.jobs;

import java.time.Duration;

/** The job could not finish now but may later; it is queued again after {@code delay}. */
public class RetryJobLater extends RuntimeException {

    private final Duration delay;

    public RetryJobLater(Duration delay, String reason) {
        super(reason, null, false, false);
        this.delay = delay;
    }

    public Duration delay() {
        return delay;
    }
}
