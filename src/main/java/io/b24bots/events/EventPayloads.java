package io.b24bots.events;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Event data as it may be stored and hashed: without the tokens Bitrix24 puts inside it. */
final class EventPayloads {

    /** Per-delivery secrets and values that differ between deliveries of the same event. */
    private static final Set<String> DROPPED = Set.of("auth", "access_token", "refresh_token", "application_token",
            "expires", "expires_in");

    private EventPayloads() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> withoutSecrets(Map<String, Object> data) {
        Map<String, Object> out = new TreeMap<>();
        data.forEach((key, value) -> {
            if (DROPPED.contains(key.toLowerCase(Locale.ROOT))) {
                return;
            }
            out.put(key, value instanceof Map ? withoutSecrets((Map<String, Object>) value) : value);
        });
        return out;
    }
}
