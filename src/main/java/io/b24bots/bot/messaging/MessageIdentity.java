package io.b24bots.bot.messaging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What makes two deliveries of a new message the same message, whichever way they came: the bots it
 * is for and its id in Bitrix24. A v1 webhook event, a v2 webhook event and a fetched v2 event of one
 * message share it, so a bot switched from webhook to fetch mode (Bitrix24 may deliver both ways for a
 * while: a bot-update page's note on apps with several bots) answers it once.
 */
public final class MessageIdentity {

    private MessageIdentity() {
    }

    /** The identity of a new message in webhook form data ({@code data} as parsed); null for any other event. */
    public static String ofWebhook(String event, Map<String, Object> data) {
        if ("ONIMBOTMESSAGEADD".equals(event)) {
            List<String> bots = new ArrayList<>();
            if (data.get("BOT") instanceof Map<?, ?> entries) {
                entries.forEach((key, entry) -> bots.add(entry instanceof Map<?, ?> bot && bot.get("BOT_ID") != null
                        ? String.valueOf(bot.get("BOT_ID")) : String.valueOf(key)));
            }
            Object messageId = data.get("PARAMS") instanceof Map<?, ?> params ? params.get("MESSAGE_ID") : null;
            return identity(bots, messageId);
        }
        if ("ONIMBOTV2MESSAGEADD".equals(event)) {
            Object botId = data.get("bot") instanceof Map<?, ?> bot ? bot.get("id") : null;
            Object messageId = data.get("message") instanceof Map<?, ?> message ? message.get("id") : null;
            return botId == null ? null : identity(List.of(String.valueOf(botId)), messageId);
        }
        return null;
    }

    /** The identity of a new message read with imbot.v2.Event.get; null for any other event. */
    public static String ofFetched(String type, JsonNode data) {
        if (!"ONIMBOTV2MESSAGEADD".equals(type) || !data.path("bot").has("id")) {
            return null;
        }
        JsonNode messageId = data.path("message").path("id");
        return identity(List.of(data.path("bot").path("id").asText()), messageId.isMissingNode() ? null : messageId.asText());
    }

    private static String identity(List<String> bots, Object messageId) {
        String id = messageId == null ? "" : String.valueOf(messageId).trim();
        if (bots.isEmpty() || id.isEmpty() || id.equals("0")) {
            return null;
        }
        List<String> sorted = new ArrayList<>(bots);
        Collections.sort(sorted);
        return "message " + String.join(",", sorted) + " " + id;
    }
}
