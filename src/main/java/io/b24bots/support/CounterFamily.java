package io.b24bots.support;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The counters of one metric, told apart by one or two tags, each found once in the registry and
 * then kept: the registry's own lookup builds, sorts and filters a meter id on every call, which on
 * the event path (four counters an event) cost a few percent of the service's CPU. Tag values must
 * come from a small set the code knows (kinds, outcomes, hooks, method names), never from a request.
 */
public final class CounterFamily {

    private final MeterRegistry registry;
    private final String name;
    private final String firstTag;
    private final String secondTag;
    private final ConcurrentMap<String, ConcurrentMap<String, Counter>> counters = new ConcurrentHashMap<>();

    /** A family told apart by one tag. */
    public CounterFamily(MeterRegistry registry, String name, String tag) {
        this(registry, name, tag, null);
    }

    /** A family told apart by two tags. */
    public CounterFamily(MeterRegistry registry, String name, String firstTag, String secondTag) {
        this.registry = registry;
        this.name = name;
        this.firstTag = firstTag;
        this.secondTag = secondTag;
    }

    public void increment(String value) {
        increment(value, "");
    }

    public void increment(String first, String second) {
        counters.computeIfAbsent(first, value -> new ConcurrentHashMap<>())
                .computeIfAbsent(second, value -> secondTag == null ? registry.counter(name, firstTag, first)
                        : registry.counter(name, firstTag, first, secondTag, value))
                .increment();
    }
}
