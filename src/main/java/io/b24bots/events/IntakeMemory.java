package io.b24bots.events;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The heap that events being received may hold at once on this replica ({@code b24.events.intake-memory}).
 * Bitrix24 sends events whether or not the service keeps up, and each one waits in the replica until its
 * batch commits; when the database or the machine stalls for a few seconds at a thousand events a second,
 * thousands of waiting requests (about 20 KB of heap each for a 3.5 KB message) filled the shipped 112 MB
 * heap and the replica died of it, taking every portal's events with it. With this budget the events past
 * it are refused at once with 503, before their bodies are read, and the rest go through.
 *
 * <p>One portal's events may hold at most half of it once their portal is known (their body parsed): past
 * that, that portal's next events are refused, so a portal sending far more than the others cannot take
 * the whole budget and have their events refused at the door in its stead.
 */
@ApplicationScoped
public class IntakeMemory {

    private static final Logger LOG = Logger.getLogger(IntakeMemory.class);
    private static final long WARNING_INTERVAL = TimeUnit.MINUTES.toNanos(1);

    /**
     * What one event being received holds besides its body: the connection's and request's objects, its
     * virtual thread, its pending batch entry (measured under overload: about 16 KB a request).
     */
    static final long REQUEST_BYTES = 16 * 1024;
    /** The body is held about three times while it is taken in: as read, as decoded form fields, as stored JSON. */
    static final int BODY_COPIES = 3;

    private final long capacity;
    private final AtomicLong used = new AtomicLong();
    /*
     * Counted here rather than through EventRefusals, which logs every refusal: in a flood these come by the
     * thousand a second, and are logged at most once a minute.
     */
    private final Counter refused;
    private final Counter refusedForPortal;
    /** What each portal's events being received hold, by member id; a portal holding nothing has no entry. */
    private final ConcurrentHashMap<String, Long> heldByPortal = new ConcurrentHashMap<>();
    /** When refusals were last logged: at most once a minute, however many there are. */
    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - WARNING_INTERVAL);

    IntakeMemory(EventsConfig config, MeterRegistry meters) {
        this.capacity = config.intakeMemory().map(size -> size.asLongValue())
                .orElse(Runtime.getRuntime().maxMemory() / 5);
        Gauge.builder("b24.events.intake.memory.used", used, AtomicLong::get).baseUnit("bytes").register(meters);
        this.refused = meters.counter("b24.events.refused", "reason", "busy");
        this.refusedForPortal = meters.counter("b24.events.refused", "reason", "portal_busy");
    }

    /** What a request with a body of {@code bodyBytes} takes from the budget. */
    static long cost(long bodyBytes) {
        return REQUEST_BYTES + BODY_COPIES * bodyBytes;
    }

    /**
     * Takes {@code bytes} from the budget; false, and nothing taken, when they are not there. A request is
     * always let in when nothing else is held, so a budget set below one large body refuses none alone.
     */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now > 0 && now + bytes > capacity) {
                refused.increment();
                warn();
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * Counts {@code bytes} for {@code memberId}'s events; false, and nothing counted, when that portal's events
     * already hold half of the budget. A portal's first event is always let in.
     */
    boolean tryHoldFor(String memberId, long bytes) {
        boolean[] held = {false};
        heldByPortal.compute(memberId, (portal, now) -> {
            if (now != null && now + bytes > capacity / 2) {
                return now;
            }
            held[0] = true;
            return (now == null ? 0 : now) + bytes;
        });
        if (!held[0]) {
            refusedForPortal.increment();
            warn();
        }
        return held[0];
    }

    void releaseFor(String memberId, long bytes) {
        heldByPortal.computeIfPresent(memberId, (portal, now) -> now - bytes > 0 ? now - bytes : null);
    }

    private void warn() {
        long now = System.nanoTime();
        long last = warnedAt.get();
        if (now - last >= WARNING_INTERVAL && warnedAt.compareAndSet(last, now)) {
            LOG.warnf("Events refused with 503: the %d KB that events being received may hold are taken, or half of"
                    + " them by one portal's (b24.events.intake-memory; b24_events_refused_total{reason=~\"busy|portal_busy\"}"
                    + " counts them)", capacity / 1024);
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    long capacity() {
        return capacity;
    }

    long heldFor(String memberId) {
        return heldByPortal.getOrDefault(memberId, 0L);
    }
}
