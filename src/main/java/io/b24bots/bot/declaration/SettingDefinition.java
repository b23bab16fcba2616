package io.b24bots.bot.declaration;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A setting a bot declares ({@code b24.bots.<id>.settings.<key>.*}) and a portal's administrator
 * edits on the admin page: its type, default, label per language, and the values it takes.
 */
public record SettingDefinition(String key, Type type, String defaultValue, Map<String, String> label, List<String> options,
        Long min, Long max) {

    /** What a setting holds. */
    public enum Type {
        /** Any text, at most {@link #MAX_TEXT} characters. */
        TEXT,
        /** A whole number, within {@code min} and {@code max} when declared. */
        NUMBER,
        /** On or off: {@code true} or {@code false}. */
        FLAG,
        /** One of the declared {@code options}. */
        CHOICE
    }

    public static final int MAX_TEXT = 1000;

    /** The value as stored, or {@link IllegalArgumentException} saying what this setting takes. */
    public String check(String value) {
        String given = value == null ? "" : value.trim();
        return switch (type) {
            case TEXT -> {
                if (given.length() > MAX_TEXT) {
                    throw new IllegalArgumentException(key + " takes at most " + MAX_TEXT + " characters");
                }
                yield given;
            }
            case NUMBER -> {
                long number;
                try {
                    number = Long.parseLong(given);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(key + " takes a whole number");
                }
                if (min != null && number < min || max != null && number > max) {
                    throw new IllegalArgumentException(key + " takes a number from " + (min == null ? "any" : min) + " to "
                            + (max == null ? "any" : max));
                }
                yield Long.toString(number);
            }
            case FLAG -> {
                String flag = given.toLowerCase(Locale.ROOT);
                if (!flag.equals("true") && !flag.equals("false")) {
                    throw new IllegalArgumentException(key + " takes true or false");
                }
                yield flag;
            }
            case CHOICE -> {
                if (!options.contains(given)) {
                    throw new IllegalArgumentException(key + " takes one of " + String.join(", ", options));
                }
                yield given;
            }
        };
    }

    /** The label in {@code lang}, else English, else the key. */
    public String label(String lang) {
        return label.getOrDefault(lang, label.getOrDefault("en", key));
    }
}
