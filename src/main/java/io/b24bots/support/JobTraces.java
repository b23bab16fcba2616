package io.b24bots.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Carries a trace across the job table: the W3C {@code traceparent} of the span current when a job is
 * queued is stored with it, and the worker continues that trace when it runs the job, so one trace goes
 * from an event's arrival through its job to the Bitrix24 calls. Null when nothing is being traced.
 */
public final class JobTraces {

    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private JobTraces() {
    }

    /** The current span's {@code traceparent}, or null when there is no sampled span (tracing off). */
    public static String current() {
        if (!Span.current().getSpanContext().isSampled()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        return carrier.get("traceparent");
    }

    /** The context a job's run continues: the stored {@code traceparent}'s, or a new root when there is none. */
    public static Context parent(String traceParent) {
        return traceParent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), traceParent, TRACEPARENT);
    }
}
