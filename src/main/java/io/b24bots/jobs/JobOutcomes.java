package io.b24bots.jobs;

import java.time.Duration;

import io.b24bots.support.Backoff;
import org.jboss.logging.Logger;

/**
 * The one failure policy of the queue: how a run that threw, asked to be retried, or ended is
 * recorded (retry with back-off, fail for good after {@code b24.jobs.max-attempts}, skip, or nothing
 * when another worker holds the job now). Returns the outcome the metrics count.
 */
final class JobOutcomes {

    private static final Logger LOG = Logger.getLogger(JobOutcomes.class);

    private final String workerId;
    private final JobStore store;
    private final JobsConfig config;
    private final JobErrors errors;

    JobOutcomes(String workerId, JobStore store, JobsConfig config, JobErrors errors) {
        this.workerId = workerId;
        this.store = store;
        this.config = config;
        this.errors = errors;
    }

    /** The outcome of a run that threw {@code e}, recorded by the one failure policy. */
    String outcome(QueuedJob job, Throwable thrown) {
        try {
            throw thrown;
        } catch (LeaseLostException e) {
            LOG.infof("Stopped %s: another worker holds it now", job);
            return "lost";
        } catch (RetryJobLater e) {
            return failed(job, e.delay(), e.getMessage(), e);
        } catch (RuntimeException e) {
            if (!(e instanceof JobFailure failure)) {
                return failed(job, Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()),
                        e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
            return switch (failure.jobFailureKind()) {
                case SKIP -> {
                    LOG.infof("%s skipped: %s", job, failure.jobFailureCode());
                    yield recorded(job, store.complete(job.id(), workerId, job.attempt()), "done");
                }
                case PERMANENT -> {
                    LOG.warnf("%s failed for good: %s", job, e.getMessage());
                    yield recorded(job, store.fail(job.id(), workerId, job.attempt(), e.getMessage()), "failed");
                }
                case TRANSIENT -> failed(job, failure.retryDelay() != null ? failure.retryDelay()
                        : Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()), e.getMessage(), e);
            };
        } catch (Throwable e) {
            if (e instanceof Error) {
                errors.seen(e, "handler");
            }
            return failed(job, Backoff.delay(job.attempt(), config.backoff(), config.maxBackoff()),
                    e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The one failure policy: a run that did not finish, whether it asked to be retried later or
     * threw, is retried after {@code delay} until it used {@code b24.jobs.max-attempts} runs, then failed.
     */
    String failed(QueuedJob job, Duration delay, String reason, Throwable cause) {
        if (job.attempt() >= config.maxAttempts()) {
            if (cause instanceof RetryJobLater) {
                LOG.errorf("%s failed for good: still asking to be retried after %d attempts (%s)", job, job.attempt(), reason);
            } else {
                LOG.errorf(cause, "%s failed for good after %d attempts", job, job.attempt());
            }
            return recorded(job, store.fail(job.id(), workerId, job.attempt(),
                    "gave up after " + job.attempt() + " attempts: " + reason), "failed");
        }
        if (cause instanceof Error) {
            LOG.errorf("%s failed: %s; retried in %s", job, cause.getClass().getName(), delay);
        } else if (!(cause instanceof RetryJobLater)) {
            LOG.warnf("%s failed: %s", job, cause.toString());
        }
        return recorded(job, store.retry(job.id(), workerId, job.attempt(), delay, reason), "retry");
    }

    /** An outcome the store refused was not ours to record: the job was taken over meanwhile. */
    String recorded(QueuedJob job, boolean stored, String outcome) {
        if (stored) {
            return outcome;
        }
        job.markLeaseLost();
        LOG.warnf("%s ended (%s) but is no longer this worker's (taken over or removed); nothing recorded", job, outcome);
        return "lost";
    }
}
