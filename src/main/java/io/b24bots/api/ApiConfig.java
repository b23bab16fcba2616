package io.b24bots.api;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The vendor API ({@code /api/v1}): who may call it and how much. */
@ConfigMapping(prefix = "b24.api")
public interface ApiConfig {

    /**
     * {@code name:secret,...} ({@code B24_API_KEYS}): a caller sends {@code Authorization: Bearer <secret>}
     * and is known by the name in logs and receipts. None set: the API refuses every call.
     */
    Optional<String> keys();

    /** Messages one portal's bots may be asked to send through the API per minute; past it, 429. */
    @WithDefault("120")
    int messagesPerMinute();
}
