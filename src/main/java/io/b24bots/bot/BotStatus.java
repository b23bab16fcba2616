package io.b24bots.bot;

/** Where a declared bot stands in one portal. */
public enum BotStatus {
    /** Declared, registration not (yet) done. */
    PENDING("pending"),
    /** Bitrix24 knows the bot; its id is on the row. */
    REGISTERED("registered"),
    /** Bitrix24 refused it for good; the row keeps the error code. */
    FAILED("failed"),
    /** Gone from the portal: unregistered, deleted in Bitrix24, or the app was uninstalled. */
    DELETED("deleted");

    private final String dbValue;

    BotStatus(String dbValue) {
        this.dbValue = dbValue;
    }

    public String dbValue() {
        return dbValue;
    }

    @jakarta.persistence.Converter(autoApply = true)
    public static class DbConverter implements jakarta.persistence.AttributeConverter<BotStatus, String> {
        @Override
        public String convertToDatabaseColumn(BotStatus status) {
            return status == null ? null : status.dbValue;
        }

        @Override
        public BotStatus convertToEntityAttribute(String value) {
            if (value == null) {
                return null;
            }
            for (BotStatus status : values()) {
                if (status.dbValue.equals(value)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("unknown bot status " + value);
        }
    }
}
