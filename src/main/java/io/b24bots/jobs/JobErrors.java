package io.b24bots.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Remembers the JVM {@link Error}s (out of memory, stack overflow) this replica's job runners
 * survived, so readiness can report them instead of a worker that quietly looks fine.
 */
@ApplicationScoped
public class JobErrors {

    private final MeterRegistry meters;
    private final AtomicLong count = new AtomicLong();
    private volatile Instant lastAt;
    private volatile String lastError;

    JobErrors(MeterRegistry meters) {
        this.meters = meters;
    }

    /** {@code where} is {@code handler} or {@code dispatcher}. Only the class name is kept: messages may carry data. */
    void seen(Throwable error, String where) {
        count.incrementAndGet();
        lastError = error.getClass().getName();
        lastAt = Instant.now();
        meters.counter("b24.jobs.errors", "where", where, "error", error.getClass().getSimpleName()).increment();
    }

    /** Whether an Error was seen within {@code window} before now. */
    boolean seenWithin(Duration window) {
        Instant at = lastAt;
        return at != null && at.plus(window).isAfter(Instant.now());
    }

    long count() {
        return count.get();
    }

    Instant lastAt() {
        return lastAt;
    }

    String lastError() {
        return lastError;
    }

    /** Forgets the last Error, as if the window had passed (tests that provoke one restore readiness with it). */
    void forget() {
        lastAt = null;
        lastError = null;
    }
}
