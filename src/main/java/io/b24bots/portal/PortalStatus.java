package io.b24bots.portal;

/** Lifecycle of a tenant. */
public enum PortalStatus {
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

    static PortalStatus fromDb(String value) {
        for (PortalStatus status : values()) {
            if (status.dbValue.equals(value)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown portal status " + value);
    }

    @jakarta.persistence.Converter(autoApply = true)
    public static class DbConverter implements jakarta.persistence.AttributeConverter<PortalStatus, String> {
        @Override
        public String convertToDatabaseColumn(PortalStatus status) {
            return status == null ? null : status.dbValue;
        }

        @Override
        public PortalStatus convertToEntityAttribute(String value) {
            return value == null ? null : fromDb(value);
        }
    }
}
