package io.b24bots.admin;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the admin page. */
@ConfigMapping(prefix = "b24.admin")
public interface AdminConfig {

    /** How long the page's signed session lasts before the user must reopen the app. */
    @WithDefault("PT30M")
    Duration sessionTtl();
}
