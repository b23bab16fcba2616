package io.b24bots.support;

import jakarta.persistence.AttributeConverter;

/** An enum stored as a short lower-case word in its column ({@code active}, {@code v2}, {@code fetch}). */
public interface ColumnValue {

    /** The word stored in the column (and, where it is one, the value Bitrix24 or the settings use). */
    String columnValue();

    /** The constant stored as {@code value}; null for a value that is none of them. */
    static <E extends Enum<E> & ColumnValue> E find(Class<E> type, String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.columnValue().equals(value)) {
                return constant;
            }
        }
        return null;
    }

    /**
     * The JPA converter of such an enum: each enum declares {@code @Converter(autoApply = true) public
     * static class DbConverter extends ColumnValue.EnumConverter<TheEnum>}. A word in the column that is no
     * constant is a broken row, refused rather than read as null.
     */
    abstract class EnumConverter<E extends Enum<E> & ColumnValue> implements AttributeConverter<E, String> {

        private final Class<E> type;

        protected EnumConverter(Class<E> type) {
            this.type = type;
        }

        @Override
        public String convertToDatabaseColumn(E value) {
            return value == null ? null : value.columnValue();
        }

        @Override
        public E convertToEntityAttribute(String column) {
            if (column == null) {
                return null;
            }
            E value = find(type, column);
            if (value == null) {
                throw new IllegalArgumentException("unknown " + type.getSimpleName() + " value " + column);
            }
            return value;
        }
    }
}
