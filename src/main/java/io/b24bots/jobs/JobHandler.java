package io.b24bots.jobs;

/**
 * Runs the jobs of one kind. Features implement it as CDI beans; the queue knows none of them.
 * Return normally when the job is done; throw {@link RetryJobLater} to run it again after a delay of
 * your choosing; anything else thrown (even an {@link Error}) is retried with {@link Backoff}. Every
 * run counts toward {@code b24.jobs.max-attempts}, after which the job is failed with the reason.
 * Call {@link QueuedJob#confirmLease()} right before an effect that must not happen twice, and let
 * its {@link LeaseLostException} propagate.
 */
public interface JobHandler {

    String kind();

    void run(QueuedJob job);
}
