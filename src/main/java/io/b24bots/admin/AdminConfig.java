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

    /**
     * How long an action's answer from Bitrix24 that the user is still an administrator is believed,
     * so a burst of clicks costs one call; a refusal is never remembered.
     */
    @WithDefault("PT1M")
    Duration rightsMemory();
}
