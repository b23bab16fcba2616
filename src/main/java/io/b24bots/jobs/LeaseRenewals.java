package io.b24bots.jobs;

import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

/**
 * Keeps the leases of running jobs: renewed every third of {@code b24.jobs.lease} while they run,
 * and a job whose lease another worker took is marked, so its handler can no longer confirm it.
 */
final class LeaseRenewals {

    private static final Logger LOG = Logger.getLogger(LeaseRenewals.class);

    private final String workerId;
    private final JobStore store;
    private final JobsConfig config;

    LeaseRenewals(String workerId, JobStore store, JobsConfig config) {
        this.workerId = workerId;
        this.store = store;
        this.config = config;
    }

    void renewAll(List<QueuedJob> jobs) {
        List<QueuedJob> held = jobs.stream().filter(job -> !job.leaseLost()).toList();
        try {
            long sent = System.nanoTime();
            Set<Long> renewed = store.renewAll(workerId, held, config.lease());
            for (QueuedJob job : held) {
                if (renewed.contains(job.id())) {
                    job.renewed(sent);
                } else {
                    job.markLeaseLost();
                    LOG.warnf("Lease of %s lost to another worker; its handler can no longer confirm it", job);
                }
            }
        } catch (Throwable e) {
            LOG.debugf("Lease renewal of %d jobs failed: %s", held.size(), e.getClass().getSimpleName());
        }
    }

    void renew(QueuedJob job) {
        if (job.leaseLost()) {
            return;
        }
        try {
            long sent = System.nanoTime();
            if (store.renew(job.id(), workerId, job.attempt(), config.lease())) {
                job.renewed(sent);
            } else {
                job.markLeaseLost();
                LOG.warnf("Lease of %s lost to another worker; its handler can no longer confirm it", job);
            }
        } catch (Throwable e) {
            // The next renewal tries again; the lease outlives two missed ones.
            LOG.debugf("Lease renewal of job %d failed: %s", job.id(), e.getClass().getSimpleName());
        }
    }
}
