package io.b24bots.install;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.JobQueue;
import io.b24bots.jobs.PortalWork;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.portal.PortalCatalog;
import io.b24bots.support.Texts;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Keeps the app's marketplace status in each active portal ({@code app.info}: {@code STATUS},
 * {@code PAYMENT_EXPIRED}, {@code DAYS}) for the operator console: a portal never read is queued at
 * the next tick after its install, the others once {@code b24.install.app-info-max-age} old. One
 * replica queues at a time (an advisory lock); the reads go through the queue and the portal's limits.
 */
@ApplicationScoped
public class MarketplaceStatusJob implements JobHandler {

    public static final String KIND = "read-app-info";

    private static final Logger LOG = Logger.getLogger(MarketplaceStatusJob.class);

    private final BitrixClient bitrix;
    private final PortalCatalog catalog;
    private final JobQueue jobs;
    private final InstallConfig config;
    private final EntityManager em;
    private final PortalWork work;

    MarketplaceStatusJob(BitrixClient bitrix, PortalCatalog catalog, JobQueue jobs, InstallConfig config, EntityManager em,
            PortalWork work) {
        this.work = work;
        this.bitrix = bitrix;
        this.catalog = catalog;
        this.jobs = jobs;
        this.config = config;
        this.em = em;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        JsonNode info = bitrix.call(job.memberId(), "app.info", Map.of()).result();
        // The portal's answer is shown to operators: only the documented values are kept.
        String status = Texts.printable(info.path("STATUS").asText(""), 4);
        String expired = info.path("PAYMENT_EXPIRED").asText("");
        JsonNode days = info.path("DAYS");
        QuarkusTransaction.requiringNew().run(() -> catalog.recordAppInfo(job.memberId(),
                status.matches("[FDTPL]") ? status : null,
                "Y".equals(expired) ? Boolean.TRUE : "N".equals(expired) ? Boolean.FALSE : null,
                days.canConvertToInt() && days.isIntegralNumber() ? days.intValue() : null));
    }

    @Scheduled(every = "${b24.install.app-info-tick:1m}", delayed = "${b24.install.app-info-tick:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        try {
            queueDue();
        } catch (RuntimeException e) {
            LOG.debugf("Marketplace status tick skipped: %s", e.getClass().getSimpleName());
        }
    }

    /** Queues a read for the portals whose status is due; returns how many were queued. */
    public int queueDue() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object locked = em.createNativeQuery("select pg_try_advisory_xact_lock(hashtext('b24-app-info'))").getSingleResult();
            if (!Boolean.TRUE.equals(locked)) {
                return 0;
            }
            // A portal whose read is under way, or failed within the max age, waits for its next turn.
            Set<String> busy = work.busyWith(List.of(KIND), config.appInfoMaxAge());
            List<String> due = catalog.appInfoDue(config.appInfoMaxAge(), busy, config.appInfoPerTick());
            int queued = 0;
            for (String memberId : due) {
                if (jobs.enqueue(KIND, memberId, null, memberId)) {
                    queued++;
                }
            }
            return queued;
        });
    }
}
