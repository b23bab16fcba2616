package io.b24bots.jobs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Whether a job of this kind that finished stays in the table, {@code done}, for
     * {@code b24.jobs.retention} (the default). A kind that runs in great numbers and whose finished
     * jobs nobody reads answers false: they are deleted when recorded, which spares PostgreSQL a row
     * version, its index entries and its share of every vacuum. A failed job is kept either way.
     */
    default boolean keepsFinishedJobs() {
        return true;
    }

    /**
     * How many due jobs of one portal this handler takes at once, in queue order; 1 (the default)
     * runs them one at a time through {@link #run}, more through {@link #runGroup}.
     */
    default int groupSize() {
        return 1;
    }

    /**
     * Runs several jobs of one portal, oldest first, as one unit (for example their Bitrix24 calls
     * sent together). Returns, for each job that did not finish, what {@link #run} would have
     * thrown for it alone; the jobs not in the answer are done.
     */
    default Map<QueuedJob, RuntimeException> runGroup(List<QueuedJob> jobs) {
        Map<QueuedJob, RuntimeException> failures = new HashMap<>();
        for (QueuedJob job : jobs) {
            try {
                run(job);
            } catch (RuntimeException e) {
                failures.put(job, e);
            }
        }
        return failures;
    }
}
