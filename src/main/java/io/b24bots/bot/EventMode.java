package io.b24bots.bot;

/** How a v2 bot receives its events: read with {@code imbot.v2.Event.get}, or posted to our URL. */
public enum EventMode {
    FETCH("fetch"), WEBHOOK("webhook");

    private final String value;

    EventMode(String value) {
        this.value = value;
    }

    /** The value of {@code eventMode} at Bitrix24, and of the {@code event_mode} column. */
    public String value() {
        return value;
    }

    /** Null for a value that is not a mode. */
    public static EventMode of(String value) {
        for (EventMode mode : values()) {
            if (mode.value.equals(value)) {
                return mode;
            }
        }
        return null;
    }

    @jakarta.persistence.Converter(autoApply = true)
    public static class DbConverter implements jakarta.persistence.AttributeConverter<EventMode, String> {
        @Override
        public String convertToDatabaseColumn(EventMode mode) {
            return mode == null ? null : mode.value;
        }

        @Override
        public EventMode convertToEntityAttribute(String value) {
            return value == null ? null : of(value);
        }
    }
}
