package io.b24bots.bot.registration;

import java.time.Duration;

import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import jakarta.inject.Singleton;

/**
 * A rollout's work in one portal: the same run as an install's registration, under kinds of its own so
 * that a rollout's portals are counted and paced apart from installs. {@value #KIND} is what
 * {@link BotRollout} queues, and only those hold its slots ({@code b24.rollout.concurrency});
 * {@value #REQUESTED_KIND} is what a portal asks for itself (its admin's "Re-register all bots",
 * {@code ONAPPUPDATE}): one portal's requests, however many, cannot stall the rollout of the others.
 */
@Singleton
public class ConvergeBotsJob implements JobHandler {

    public static final String KIND = "converge-bots";
    public static final String REQUESTED_KIND = "converge-bots-requested";

    private final RegisterBotsJob registration;
    private final Fingerprints fingerprints;
    private final BotsConfig config;

    ConvergeBotsJob(RegisterBotsJob registration, Fingerprints fingerprints, BotsConfig config) {
        this.registration = registration;
        this.fingerprints = fingerprints;
        this.config = config;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        if (config.rollout().dryRun() || !fingerprints.isCurrent()) {
            // Taken by a dry-run replica or one still running an older declaration: left to one running the newest.
            throw new RetryJobLater(Duration.ofSeconds(30), "a newer bot declaration is running on other replicas");
        }
        registration.converge(job, null);
    }

    /** A portal's own request to be brought in step; runs like a rollout's, outside its slots. */
    @Singleton
    public static class Requested extends ConvergeBotsJob {

        Requested(RegisterBotsJob registration, Fingerprints fingerprints, BotsConfig config) {
            super(registration, fingerprints, config);
        }

        @Override
        public String kind() {
            return REQUESTED_KIND;
        }
    }
}
