package io.b24bots.bot;

import io.b24bots.support.ColumnValue;
import jakarta.persistence.Converter;

/** How a v2 bot receives its events: read with {@code imbot.v2.Event.get}, or posted to our URL. */
public enum EventMode implements ColumnValue {
    FETCH("fetch"), WEBHOOK("webhook");

    private final String value;

    EventMode(String value) {
        this.value = value;
    }

    /** The value of {@code eventMode} at Bitrix24, and of the {@code event_mode} column. */
    public String value() {
        return value;
    }

    @Override
    public String columnValue() {
        return value;
    }

    /** Null for a value that is not a mode. */
    public static EventMode of(String value) {
        return ColumnValue.find(EventMode.class, value);
    }

    @Converter(autoApply = true)
    public static class DbConverter extends ColumnValue.EnumConverter<EventMode> {
        public DbConverter() {
            super(EventMode.class);
        }
    }
}
