package io.b24bots.bot.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reading the fields of a bot event the same way whichever way it came: v1 and v2 webhooks send
 * every scalar as a form string ("1", "Y"), v2 fetched events send typed JSON.
 */
final class EventFields {

    private EventFields() {
    }

    /** Webhook booleans arrive as "1"/"0" or "Y"/"N", fetched ones as JSON booleans. */
    static boolean truthy(JsonNode value) {
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String text = value.asText("");
        return text.equals("1") || text.equalsIgnoreCase("Y") || text.equalsIgnoreCase("true");
    }

    /** The first of {@code fields} the node has with a value, as a number; 0 when none has. */
    static long firstLong(JsonNode node, String... fields) {
        for (String field : fields) {
            if (node.hasNonNull(field) && !node.path(field).asText().isEmpty()) {
                return node.path(field).asLong();
            }
        }
        return 0;
    }

    static long parseLong(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The members of an object or array (a files list comes as either). */
    static List<JsonNode> values(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        if (node.isObject() || node.isArray()) {
            node.forEach(out::add);
        }
        return List.copyOf(out);
    }

    /** A command as the handlers see it: without the slash Bitrix24 may send, lower case. */
    static String bare(String command) {
        String c = command.trim();
        return (c.startsWith("/") ? c.substring(1) : c).toLowerCase(Locale.ROOT);
    }

    /** Personal chats are addressed by the other participant's id, group chats as {@code chat<id>}. */
    static String dialogId(String chatDialogId, long authorId) {
        return chatDialogId.startsWith("chat") ? chatDialogId : String.valueOf(authorId);
    }

    /** The first language given, lower case; null when neither is. */
    static String language(JsonNode first, JsonNode second) {
        String value = first.asText("");
        if (value.isEmpty() && second != null) {
            value = second.asText("");
        }
        return value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
    }
}
