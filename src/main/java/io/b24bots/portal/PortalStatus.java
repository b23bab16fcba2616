package io.b24bots.portal;

import io.b24bots.support.ColumnValue;
import jakarta.persistence.Converter;

/** Lifecycle of a tenant. */
public enum PortalStatus implements ColumnValue {
    /** Installed, tokens usable. */
    ACTIVE("active"),
    /** The app was removed from the portal; the row stays so a reinstall is recognised. */
    UNINSTALLED("uninstalled"),
    /** The refresh token was refused: nothing works until an admin installs or authorises again. */
    REAUTH_REQUIRED("reauth_required");

    private final String dbValue;

    PortalStatus(String dbValue) {
        this.dbValue = dbValue;
    }

    public String dbValue() {
        return dbValue;
    }

    @Override
    public String columnValue() {
        return dbValue;
    }

    static PortalStatus fromDb(String value) {
        PortalStatus status = ColumnValue.find(PortalStatus.class, value);
        if (status == null) {
            throw new IllegalArgumentException("unknown portal status " + value);
        }
        return status;
    }

    @Converter(autoApply = true)
    public static class DbConverter extends ColumnValue.EnumConverter<PortalStatus> {
        public DbConverter() {
            super(PortalStatus.class);
        }
    }
}
