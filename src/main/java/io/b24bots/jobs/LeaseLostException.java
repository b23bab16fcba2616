package io.b24bots.jobs;

/**
 * Thrown by {@link QueuedJob#confirmLease()} when the job is no longer this worker's: its lease
 * ran out and another worker took it over, or the job was removed. The handler must not perform
 * its effect; the runner records nothing, since the new owner records the outcome.
 */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(long jobId) {
        super("job " + jobId + " is no longer leased by this worker", null, false, false);
    }
}
