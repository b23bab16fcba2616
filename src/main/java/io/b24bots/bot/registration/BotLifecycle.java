package io.b24bots.bot.registration;

import io.b24bots.bot.BotRepository;
import io.b24bots.install.PortalInstalled;
import io.b24bots.install.PortalUninstalled;
import io.b24bots.jobs.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Ties bots to the portal's lifecycle, inside the install and uninstall transactions. */
@ApplicationScoped
public class BotLifecycle {

    private final JobQueue jobs;
    private final BotRepository registry;

    BotLifecycle(JobQueue jobs, BotRepository registry) {
        this.jobs = jobs;
        this.registry = registry;
    }

    /** Every install queues one registration; installs close together share the waiting one. */
    void installed(@Observes PortalInstalled event) {
        jobs.enqueue(RegisterBotsJob.KIND, event.memberId(), null, event.memberId());
    }

    void uninstalled(@Observes PortalUninstalled event) {
        registry.portalUninstalled(event.memberId(), event.clean());
    }
}
