package io.b24bots.bot.messaging;

import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whether a group message addresses a bot, by every sign the Bitrix24 pages give, and the text
 * without the bot's own mention. Mentions are BB-code: {@code [USER=<id>]Name[/USER]}, or
 * {@code [USER=<id> REPLACE]…}, in any case; {@code [USER=all]} mentions every member.
 */
final class Mentions {

    private static final Pattern EVERYONE = Pattern.compile("\\[user=all]", Pattern.CASE_INSENSITIVE);

    private Mentions() {
    }

    /**
     * v1: the bot in {@code MENTIONED_LIST} (a map of id to id, or a list), {@code TO_USER_ID} naming it
     * (the first mention, as imbot.register's page advises checking), or a mention in
     * {@code MESSAGE_ORIGINAL}. Bitrix24 lists every member, bots too, for a mention of everyone.
     */
    static boolean v1Addressed(JsonNode params, String original, long botId) {
        JsonNode listed = params.path("MENTIONED_LIST");
        String id = String.valueOf(botId);
        if (listed.has(id)) {
            return true;
        }
        for (JsonNode entry : listed) {
            if (id.equals(entry.asText())) {
                return true;
            }
        }
        return id.equals(params.path("TO_USER_ID").asText()) || addressedInText(original, botId);
    }

    /** The text mentions the bot, or everyone. */
    static boolean addressedInText(String text, long botId) {
        return hasMark(text) && (mentions(text, botId) || EVERYONE.matcher(text).find());
    }

    /** The text mentions the bot itself. */
    static boolean mentions(String text, long botId) {
        return hasMark(text) && mark(botId).matcher(text).find();
    }

    /**
     * Whether the text holds a {@code [USER=} mark at all, in any case: most messages hold none, and for
     * them no pattern is compiled or run (the regexes were a measurable share of a v2 message's cost).
     */
    static boolean hasMark(String text) {
        if (text == null) {
            return false;
        }
        for (int at = text.indexOf('['); at >= 0; at = text.indexOf('[', at + 1)) {
            if (text.regionMatches(true, at + 1, "user=", 0, 5)) {
                return true;
            }
        }
        return false;
    }

    /** The text without the bot's own mention (v1 sends it so already; v2 keeps the BB-code). */
    static String withoutMention(String text, long botId) {
        if (!mentions(text, botId)) {
            return text.trim();
        }
        return Pattern.compile("\\[user=" + botId + "(?: replace)?].*?\\[/user]\\s*,?\\s*", Pattern.CASE_INSENSITIVE)
                .matcher(text).replaceAll("").trim();
    }

    private static Pattern mark(long botId) {
        return Pattern.compile("\\[user=" + botId + "(?: replace)?]", Pattern.CASE_INSENSITIVE);
    }
}
