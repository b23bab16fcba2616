package io.b24bots.support;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The tracer the service's own spans (job runs, Bitrix24 calls) are made with: Quarkus's while tracing is
 * on, a no-op one while it is off. With the SDK disabled Quarkus still hands out a tracer whose spans get
 * ids and are sampled (only never exported): they would cost every job and call, and put exemplars into
 * the metrics, for nothing.
 */
@ApplicationScoped
public class Tracing {

    private final Tracer tracer;

    Tracing(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean disabled) {
        this.tracer = disabled ? TracerProvider.noop().get("b24bots") : tracer;
    }

    public Tracer tracer() {
        return tracer;
    }
}
