package io.b24bots.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What this replica did in about the last minute, from its own counters sampled every 10 seconds: bot
 * events accepted ({@code b24.events}), replies sent and Bitrix24 calls by outcome ({@code b24.rest.calls}).
 * The fleet's figures are the sum over replicas, which Prometheus has; the console shows what the replica
 * serving it sees.
 */
@ApplicationScoped
public class ReplicaRates {

    /** Per minute: bot events, replies, all Bitrix24 calls, and the failed ones by code (most first). */
    public record Rates(double eventsPerMinute, double repliesPerMinute, double callsPerMinute, List<Outcome> failures) {
    }

    /** Calls that ended with {@code code} per minute, and their share of all calls. */
    public record Outcome(String code, double perMinute, double share) {
    }

    private static final Set<String> REPLY_METHODS = Set.of("imbot.message.add", "imbot.v2.Chat.Message.send");

    private record Sample(long nanos, double events, double replies, Map<String, Double> callsByOutcome) {
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
            return new Rates(0, 0, 0, List.of());
        }
        Map<String, Double> perMinute = new HashMap<>();
        now.callsByOutcome().forEach((outcome, count) ->
                perMinute.put(outcome, (count - first.callsByOutcome().getOrDefault(outcome, 0.0)) / minutes));
        double calls = perMinute.values().stream().mapToDouble(Double::doubleValue).sum();
        List<Outcome> failures = new ArrayList<>();
        perMinute.forEach((outcome, rate) -> {
            if (!"ok".equals(outcome) && rate > 0) {
                failures.add(new Outcome(outcome, rate, rate / calls));
            }
        });
        failures.sort(Comparator.comparingDouble(Outcome::perMinute).reversed());
        return new Rates((now.events() - first.events()) / minutes, (now.replies() - first.replies()) / minutes, calls,
                failures);
    }

    private Sample now() {
        double events = meters.find("b24.events").tag("kind", "bot").counters().stream().mapToDouble(Counter::count).sum();
        double replies = 0;
        Map<String, Double> byOutcome = new HashMap<>();
        for (Counter calls : meters.find("b24.rest.calls").counters()) {
            String outcome = calls.getId().getTag("outcome");
            byOutcome.merge(outcome == null ? "other" : outcome, calls.count(), Double::sum);
            if ("ok".equals(outcome) && REPLY_METHODS.contains(calls.getId().getTag("method"))) {
                replies += calls.count();
            }
        }
        return new Sample(System.nanoTime(), events, replies, byOutcome);
    }
}
