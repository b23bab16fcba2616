package io.b24bots.jobs;

/** The life of a job row ({@code job.status}). */
public enum JobStatus {
    /** Waiting for {@code run_at}, or for a worker. */
    QUEUED("queued"),
    /** Leased by a worker until {@code locked_until}. */
    RUNNING("running"),
    DONE("done"),
    /** Gave up, with the reason in {@code last_error}. */
    FAILED("failed");

    private final String dbValue;

    JobStatus(String dbValue) {
        this.dbValue = dbValue;
    }

    public String dbValue() {
        return dbValue;
    }
}
