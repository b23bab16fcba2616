package io.b24bots.events;

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
    private final Counter refused;
    /** When refusals were last logged: at most once a minute, however many there are. */
    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - WARNING_INTERVAL);

    IntakeMemory(EventsConfig config, MeterRegistry meters) {
        this.capacity = config.intakeMemory().map(size -> size.asLongValue())
                .orElse(Runtime.getRuntime().maxMemory() / 5);
        Gauge.builder("b24.events.intake.memory.used", used, AtomicLong::get).baseUnit("bytes").register(meters);
        this.refused = meters.counter("b24.events.refused", "reason", "busy");
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

    private void warn() {
        long now = System.nanoTime();
        long last = warnedAt.get();
        if (now - last >= WARNING_INTERVAL && warnedAt.compareAndSet(last, now)) {
            LOG.warnf("Events refused with 503: the %d KB that events being received may hold are taken"
                    + " (b24.events.intake-memory; b24_events_refused_total{reason=\"busy\"} counts them)", capacity / 1024);
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }
}
