package io.b24bots.jobs;

import java.time.Duration;

/**
 * The job could not finish now but may later; it is queued again after {@code delay}. The run still
 * counts toward {@code b24.jobs.max-attempts}: a job that never stops asking fails with the reason.
 */
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
