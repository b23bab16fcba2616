package io.b24bots.web;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.b24bots.support.Memories;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * The origin an error page may be framed by: the portal the request's {@code DOMAIN} names, when that
 * domain is a portal this service has proven (installed here), else none, so a request cannot put any
 * domain it likes into the page's {@code frame-ancestors}. Answers are remembered briefly; on an event
 * loop thread, where the database must not be asked, only what is remembered counts.
 */
@ApplicationScoped
public class ErrorPageOrigins {

    private static final long KNOWN_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long UNKNOWN_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int KEPT = 10_000;

    private record Known(boolean installed, long untilNanos) {
    }

    private final Instance<PortalDomains> domains;
    private final Map<String, Known> known = Memories.bounded(KEPT, Duration.ofNanos(KNOWN_NANOS));

    ErrorPageOrigins(Instance<PortalDomains> domains) {
        this.domains = domains;
    }

    /** The origin of the claimed {@code domain} (with {@code PROTOCOL}), or null when it is not a proven portal's. */
    public String of(String domain, String protocol) {
        if (domain == null || !FrameRequest.HOST.matcher(domain).matches()) {
            return null;
        }
        String host = domain.toLowerCase(Locale.ROOT);
        return installed(host) ? FramePolicy.origin(host, !"0".equals(protocol)) : null;
    }

    private boolean installed(String host) {
        long now = System.nanoTime();
        Known entry = known.get(host);
        if (entry != null && entry.untilNanos() - now > 0) {
            return entry.installed();
        }
        if (Context.isOnEventLoopThread() || domains.isUnsatisfied()) {
            return false;
        }
        boolean installed;
        try {
            installed = domains.get().installedHere(host);
        } catch (RuntimeException e) {
            // The database is down: the page is still shown, only not inside the portal's frame.
            return false;
        }
        known.put(host, new Known(installed, now + (installed ? KNOWN_NANOS : UNKNOWN_NANOS)));
        return installed;
    }
}
