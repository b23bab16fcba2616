package io.b24bots.bitrix;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.b24bots.config.B24Config;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * A circuit breaker per portal, in memory per replica: after {@code b24.rest.breaker-threshold}
 * consecutive transient failures (network errors, timeouts, 5xx) the portal's background calls fail
 * fast for a pause that doubles each time it opens again (up to {@code b24.rest.breaker-max-pause}),
 * so a dead portal does not hold job and poller threads through its timeouts. Any answer closes it.
 */
@Singleton
public class PortalBreaker {

    private static final Logger LOG = Logger.getLogger(PortalBreaker.class);

    private static final class State {
        int failures;
        int opened;
        Instant openUntil = Instant.MIN;
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final B24Config config;

    PortalBreaker(B24Config config, MeterRegistry meters) {
        this.config = config;
        Gauge.builder("b24.portal.breakers.open", this, PortalBreaker::openCount)
                .description("Portals whose background calls this replica holds back right now")
                .register(meters);
    }

    /** Throws a transient PORTAL_BACKED_OFF while the portal's pause lasts. */
    public void check(String memberId) {
        State state = states.get(memberId);
        if (state == null) {
            return;
        }
        Instant until;
        synchronized (state) {
            until = state.openUntil;
        }
        if (Instant.now().isBefore(until)) {
            throw BitrixException.backedOff("the portal's calls keep failing; next try after " + until, until);
        }
    }

    /** The portal answered (even with a Bitrix24 error): it is reachable again. */
    public void succeeded(String memberId) {
        if (states.remove(memberId) != null) {
            LOG.infof("Portal %s answers again; its calls are no longer held back", memberId);
        }
    }

    /** A call failed with no usable answer (network, timeout, 5xx). */
    public void failed(String memberId) {
        State state = states.computeIfAbsent(memberId, k -> new State());
        Duration pause = null;
        synchronized (state) {
            state.failures++;
            if (state.failures >= config.rest().breakerThreshold() && !Instant.now().isBefore(state.openUntil)) {
                long first = Math.max(1, config.rest().breakerPause().toMillis());
                pause = Duration.ofMillis(first << Math.min(state.opened, 20));
                if (pause.compareTo(config.rest().breakerMaxPause()) > 0) {
                    pause = config.rest().breakerMaxPause();
                }
                state.opened++;
                state.openUntil = Instant.now().plus(pause);
            }
        }
        if (pause != null) {
            LOG.warnf("Portal %s failed %d calls in a row; its background calls fail fast for %d s", memberId,
                    state.failures, pause.toSeconds());
        }
    }

    /** Portals whose background calls this replica holds back right now. */
    public long openCount() {
        Instant now = Instant.now();
        return states.values().stream().filter(state -> {
            synchronized (state) {
                return now.isBefore(state.openUntil);
            }
        }).count();
    }
}
