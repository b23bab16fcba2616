package io.b24bots.console;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Events accepted and replies sent per minute by this replica, from its own counters
 * ({@code b24.events}, {@code b24.rest.calls}) sampled every 10 seconds. The fleet's figures are the
 * sum over replicas, which Prometheus has; the console shows what the replica serving it sees.
 */
@ApplicationScoped
public class ReplicaRates {

    /** Bot events and replies per minute; {@code minutes} is how much history the figures cover (up to 1). */
    public record Rates(double eventsPerMinute, double repliesPerMinute, double minutes) {
    }

    private static final Set<String> REPLY_METHODS = Set.of("imbot.message.add", "imbot.v2.Chat.Message.send");

    private record Sample(long nanos, double events, double replies) {
    }

    private final MeterRegistry meters;
    private final Deque<Sample> samples = new ArrayDeque<>();

    ReplicaRates(MeterRegistry meters) {
        this.meters = meters;
    }

    @Scheduled(every = "10s", delayed = "1s")
    synchronized void sample() {
        samples.addLast(now());
        while (samples.size() > 7) {
            samples.removeFirst();
        }
    }

    public synchronized Rates rates() {
        Sample now = now();
        Sample first = samples.isEmpty() ? now : samples.peekFirst();
        double minutes = (now.nanos() - first.nanos()) / 60e9;
        if (minutes <= 0) {
            return new Rates(0, 0, 0);
        }
        return new Rates((now.events() - first.events()) / minutes, (now.replies() - first.replies()) / minutes,
                Math.min(1, minutes));
    }

    private Sample now() {
        double events = meters.find("b24.events").tag("kind", "bot").counters().stream().mapToDouble(Counter::count).sum();
        double replies = meters.find("b24.rest.calls").tag("outcome", "ok").counters().stream()
                .filter(c -> REPLY_METHODS.contains(c.getId().getTag("method")))
                .mapToDouble(Counter::count).sum();
        return new Sample(System.nanoTime(), events, replies);
    }
}
