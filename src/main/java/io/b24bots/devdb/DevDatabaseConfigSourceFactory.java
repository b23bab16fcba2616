package io.b24bots.devdb;

import java.util.Collections;
import java.util.Map;

import io.b24bots.support.ConfigValues;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * In dev mode only, and only when no database URL is configured anywhere, starts an embedded
 * PostgreSQL whose data stays in {@code .data/pg} and points the datasource at it. Production
 * never gets this default: the packaged app requires {@code QUARKUS_DATASOURCE_JDBC_URL}.
 */
public class DevDatabaseConfigSourceFactory implements ConfigSourceFactory {

    /** Above application.properties (250), below environment variables (300) and -D (400). */
    private static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            return Collections.emptyList();
        }
        if (ConfigValues.isSet(context.getValue("quarkus.datasource.jdbc.url"))) {
            return Collections.emptyList();
        }
        // Loaded only here, so the packaged app never needs the embedded PostgreSQL classes.
        Map<String, String> datasource = DevDatabase.start();
        return Collections.singletonList(new PropertiesConfigSource(datasource, "b24bots-dev-database", ORDINAL));
    }
}
