package io.b24bots.support;

import io.smallrye.config.ConfigValue;

/** What the service's config-source factories ask of a value they read before the config is built. */
public final class ConfigValues {

    private ConfigValues() {
    }

    /** True when some source sets the property to something other than blank. */
    public static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
