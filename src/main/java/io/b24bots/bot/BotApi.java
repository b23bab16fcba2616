package io.b24bots.bot;

import io.b24bots.support.ColumnValue;
import jakarta.persistence.Converter;

/** Which Bitrix24 chat-bot API a bot is registered through; it receives events in that format only. */
public enum BotApi implements ColumnValue {
    V1("v1"), V2("v2");

    private final String value;

    BotApi(String value) {
        this.value = value;
    }

    /** As declared ({@code b24.bots.<id>.api}) and stored in the {@code api} column. */
    public String value() {
        return value;
    }

    @Override
    public String columnValue() {
        return value;
    }

    /** Null for a value that is not an API version. */
    public static BotApi of(String value) {
        return ColumnValue.find(BotApi.class, value);
    }

    @Converter(autoApply = true)
    public static class DbConverter extends ColumnValue.EnumConverter<BotApi> {
        public DbConverter() {
            super(BotApi.class);
        }
    }
}
