package io.b24bots.bot.registration;

import java.time.Duration;

import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A rollout's work in one portal (queued by {@link BotRollout}, on {@code ONAPPUPDATE} and from the
 * admin page): the same run as an install's registration, under its own kind so that a rollout's
 * portals are counted and paced apart from installs.
 */
@ApplicationScoped
public class ConvergeBotsJob implements JobHandler {

    public static final String KIND = "converge-bots";

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
}
