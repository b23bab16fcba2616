package io.b24bots.console;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;

import io.b24bots.support.ConfigValues;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Without {@code b24.console.session-key} the form login's cookie key would be one Quarkus makes up at
 * start, and Quarkus writes that key into the log. So this replica makes up its own, unlogged. Nobody
 * can sign in with it anyway: ConsoleSettingsCheck refuses to start production without a shared key
 * once anyone could.
 */
public class ConsoleSessionKeyDefault implements ConfigSourceFactory {

    /**
     * Above application.properties (250), which sets the property from b24.console.session-key; below
     * config/application.properties (260), the environment (300) and -D (400), where an operator would set it.
     */
    private static final int ORDINAL = 255;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // A key set for the property itself, in the environment or as -D, still wins: those rank above this source.
        if (ConfigValues.isSet(context.getValue("b24.console.session-key"))) {
            return Collections.emptyList();
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Collections.singletonList(new PropertiesConfigSource(
                Map.of("quarkus.http.auth.session.encryption-key", Base64.getEncoder().encodeToString(key)),
                "b24bots-console-session-key", ORDINAL));
    }
}
