package io.b24bots.bot;

import io.b24bots.support.ColumnValue;
import jakarta.persistence.Converter;

/** Where a declared bot stands in one portal. */
public enum BotStatus implements ColumnValue {
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

    @Override
    public String columnValue() {
        return dbValue;
    }

    @Converter(autoApply = true)
    public static class DbConverter extends ColumnValue.EnumConverter<BotStatus> {
        public DbConverter() {
            super(BotStatus.class);
        }
    }
}
