package io.b24bots.bot.handler;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A file a user sent with a message, as Bitrix24's File object describes it; {@link BotChat#downloadUrl}
 * gives a link to its content (v2 bots).
 */
public record IncomingFile(long id, String name, String extension, String type, long size) {

    /** A file of an event, whether its fields come in lower case (v2) or upper case (v1). */
    public static IncomingFile of(JsonNode file) {
        String name = text(file, "name");
        String extension = text(file, "extension");
        if (extension.isEmpty() && name.contains(".")) {
            extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        }
        String type = text(file, "type");
        return new IncomingFile(number(file, "id"), name, extension, type.isEmpty() ? "file" : type, number(file, "size"));
    }

    private static String text(JsonNode file, String field) {
        JsonNode value = file.has(field) ? file.get(field) : file.path(field.toUpperCase(Locale.ROOT));
        return value.isValueNode() ? value.asText("") : "";
    }

    private static long number(JsonNode file, String field) {
        JsonNode value = file.has(field) ? file.get(field) : file.path(field.toUpperCase(Locale.ROOT));
        return value.asLong(0);
    }
}
