package io.b24bots.support;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Values of native query rows, whichever Java type the driver and Hibernate chose for them. */
public final class SqlValues {

    private SqlValues() {
    }

    /** A {@code timestamptz} column's value; null for null. */
    public static Instant instant(Object value) {
        return value instanceof Instant i ? i : value instanceof OffsetDateTime o ? o.toInstant()
                : value instanceof Timestamp t ? t.toInstant() : null;
    }

    /** A numeric column's value as a long; null for null. */
    public static Long number(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }
}
