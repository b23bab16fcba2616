package io.b24bots.support;

import java.util.Collections;
import java.util.Map;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Tracing is off unless an OTLP endpoint is configured ({@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} or the
 * traces one): otherwise the OpenTelemetry SDK would export to localhost:4317 by default. An explicit
 * {@code quarkus.otel.sdk.disabled} anywhere wins over this default.
 */
public class TracingSwitch implements ConfigSourceFactory {

    /** Below application.properties (250): any source that sets the switch itself wins. */
    private static final int ORDINAL = 50;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (ConfigValues.isSet(context.getValue("quarkus.otel.exporter.otlp.endpoint"))
                || ConfigValues.isSet(context.getValue("quarkus.otel.exporter.otlp.traces.endpoint"))) {
            return Collections.emptyList();
        }
        return Collections.singletonList(new PropertiesConfigSource(Map.of("quarkus.otel.sdk.disabled", "true"),
                "b24bots-tracing-off", ORDINAL));
    }
}
