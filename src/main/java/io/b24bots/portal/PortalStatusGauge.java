package io.b24bots.portal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * {@code b24_portals{status}}: the fleet's portals by status, counted from the database every minute, so
 * an alert can tell when portals start needing re-authorisation (every replica reports the same figures).
 */
@ApplicationScoped
public class PortalStatusGauge {

    private static final Logger LOG = Logger.getLogger(PortalStatusGauge.class);

    private final PortalCatalog catalog;
    private final Map<PortalStatus, AtomicLong> counts = new EnumMap<>(PortalStatus.class);

    PortalStatusGauge(PortalCatalog catalog, MeterRegistry meters) {
        this.catalog = catalog;
        for (PortalStatus status : PortalStatus.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(status, count);
            Gauge.builder("b24.portals", count, AtomicLong::get).tag("status", status.dbValue())
                    .description("Portals by status, across the fleet (counted every minute)").register(meters);
        }
    }

    @Scheduled(every = "60s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void count() {
        try {
            catalog.countsByStatus().forEach((status, count) -> counts.get(status).set(count));
        } catch (RuntimeException e) {
            LOG.debugf("Portals not counted: %s", e.getClass().getSimpleName());
        }
    }
}
