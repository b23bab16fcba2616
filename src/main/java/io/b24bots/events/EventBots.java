package io.b24bots.events;

import java.util.ArrayList;
import java.util.List;

import io.b24bots.web.FormData;

/** The bots a webhook bot event names: v2 {@code data[bot][id]}, v1 {@code data[BOT][<id>]}, v1 commands' {@code BOT_ID}. */
final class EventBots {

    private EventBots() {
    }

    static List<Long> of(String event, FormData form) {
        List<Long> ids = new ArrayList<>();
        if (EventNames.isV2BotEvent(event)) {
            add(ids, form.text("data", "bot", "id"));
            return ids;
        }
        boolean command = "ONIMCOMMANDADD".equals(event);
        FormData entries = form.group("data", command ? "COMMAND" : "BOT");
        for (String key : entries.asMap().keySet()) {
            String botId = entries.group(key).text("BOT_ID");
            add(ids, botId != null ? botId : command ? null : key);
        }
        return ids;
    }

    private static void add(List<Long> ids, String value) {
        if (value == null) {
            return;
        }
        try {
            ids.add(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            // Not a bot id: the event names no bot by it.
        }
    }
}
