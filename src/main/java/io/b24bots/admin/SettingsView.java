package io.b24bots.admin;

import java.util.List;

/** A bot's settings on the admin page: an editable form for admins, read-only values for everyone else. */
public record SettingsView(long rowId, String name, String code, List<Field> fields) {

    /** One setting: {@code type} is text, number, flag or choice; {@code value} is its current value. */
    public record Field(String key, String label, String type, String value, List<String> options, Long min, Long max) {
    }

    /** One change of a setting, for the page's history. */
    public record Change(String bot, String label, String oldValue, String newValue, long userId, String when) {
    }
}
