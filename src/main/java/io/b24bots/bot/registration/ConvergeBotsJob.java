package io.b24bots.bot.registration;

import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
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

    ConvergeBotsJob(RegisterBotsJob registration) {
        this.registration = registration;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        registration.converge(job, null, false);
    }
}
