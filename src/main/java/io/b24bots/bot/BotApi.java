package io.b24bots.bot;

/** Which Bitrix24 chat-bot API a bot is registered through; it receives events in that format only. */
public enum BotApi {
    V1("v1"), V2("v2");

    private final String value;

    BotApi(String value) {
        this.value = value;
    }

    /** As declared ({@code b24.bots.<id>.api}) and stored in the {@code api} column. */
    public String value() {
        return value;
    }

    /** Null for a value that is not an API version. */
    public static BotApi of(String value) {
        for (BotApi api : values()) {
            if (api.value.equals(value)) {
                return api;
            }
        }
        return null;
    }

    @jakarta.persistence.Converter(autoApply = true)
    public static class DbConverter implements jakarta.persistence.AttributeConverter<BotApi, String> {
        @Override
        public String convertToDatabaseColumn(BotApi api) {
            return api == null ? null : api.value;
        }

        @Override
        public BotApi convertToEntityAttribute(String value) {
            return value == null ? null : of(value);
        }
    }
}
