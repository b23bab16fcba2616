package io.b24bots.jobs;

/**
 * Runs the jobs of one kind. Features implement it as CDI beans; the queue knows none of them.
 * Return normally when the job is done; throw {@link RetryJobLater} to run it again later; any
 * other exception counts as an attempt and is retried with back-off until the attempts run out.
 */
public interface JobHandler {

    String kind();

    void run(QueuedJob job);
}
