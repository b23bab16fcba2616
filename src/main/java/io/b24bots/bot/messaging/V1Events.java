package io.b24bots.bot.messaging;

import static io.b24bots.bot.messaging.EventFields.firstLong;
import static io.b24bots.bot.messaging.EventFields.language;
import static io.b24bots.bot.messaging.EventFields.parseLong;
import static io.b24bots.bot.messaging.EventFields.truthy;
import static io.b24bots.bot.messaging.EventFields.values;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bot.handler.ChatEvent;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.handler.IncomingMessage.ChatType;
import io.b24bots.bot.messaging.BotEvent.PortalBots;

/**
 * Reads v1 bot events ({@code ONIMBOT*}, {@code ONIMCOMMANDADD}: the form data of imbot.register's
 * handlers). One v1 event may concern several bots ({@code data[BOT]} is keyed by bot id), so it
 * becomes one {@link BotEvent} per bot of ours.
 */
final class V1Events {

    static final List<String> NAMES = List.of("ONIMBOTMESSAGEADD", "ONIMBOTMESSAGEUPDATE", "ONIMBOTMESSAGEDELETE",
            "ONIMBOTJOINCHAT", "ONIMCOMMANDADD", "ONIMBOTDELETE");

    private V1Events() {
    }

    static List<BotEvent> read(String event, String memberId, JsonNode data, PortalBots bots) {
        return switch (event) {
            case "ONIMBOTMESSAGEADD" -> message(memberId, data, bots, false);
            case "ONIMBOTMESSAGEUPDATE" -> message(memberId, data, bots, true);
            case "ONIMBOTMESSAGEDELETE" -> deleted(memberId, data, bots);
            case "ONIMBOTJOINCHAT" -> joined(memberId, data, bots);
            case "ONIMCOMMANDADD" -> command(memberId, data, bots);
            case "ONIMBOTDELETE" -> List.of(new BotEvent.Deletion(data.path("BOT_ID").asLong(), data));
            default -> List.of();
        };
    }

    private static List<BotEvent> message(String memberId, JsonNode data, PortalBots bots, boolean update) {
        JsonNode params = data.path("PARAMS");
        JsonNode user = data.path("USER");
        long authorId = firstLong(params, "FROM_USER_ID", "AUTHOR_ID");
        if (truthy(user.path("IS_BOT")) || truthy(params.path("SYSTEM")) || bots.isOurBot(authorId)) {
            return List.of();
        }
        String text = params.path("MESSAGE").asText("");
        String original = params.path("MESSAGE_ORIGINAL").asText(text);
        String dialogId = params.path("DIALOG_ID").asText();
        ChatType type = chatType(params.path("MESSAGE_TYPE").asText(params.path("CHAT_TYPE").asText("")), dialogId);
        String language = language(params.path("LANGUAGE"), data.path("LANGUAGE"));
        long messageId = params.path("MESSAGE_ID").asLong();
        List<BotEvent> out = new ArrayList<>();
        for (long botId : botIds(data.path("BOT"))) {
            bots.ours(botId).ifPresent(bot -> {
                if (update) {
                    out.add(new BotEvent.Chat(new ChatEvent.MessageUpdated(memberId, bot, botId, dialogId, authorId, messageId,
                            text, language, data)));
                    return;
                }
                boolean mentioned = Mentions.v1Addressed(params, original, botId);
                // v1 removes the mention from MESSAGE but keeps what followed it (", how do I …").
                String shown = mentioned ? text.replaceFirst("^\\s*,\\s*", "") : text;
                out.add(new BotEvent.Message(new IncomingMessage(memberId, bot, botId, dialogId, authorId, shown, language,
                        messageId, params.path("CHAT_ID").asLong(params.path("TO_CHAT_ID").asLong()), type, mentioned,
                        user.path("NAME").asText(""), truthy(user.path("IS_EXTRANET")), truthy(user.path("IS_CONNECTOR")),
                        values(params.path("FILES")), data)));
            });
        }
        return out;
    }

    private static List<BotEvent> deleted(String memberId, JsonNode data, PortalBots bots) {
        JsonNode params = data.path("PARAMS");
        String dialogId = params.path("DIALOG_ID").asText();
        List<BotEvent> out = new ArrayList<>();
        for (long botId : botIds(data.path("BOT"))) {
            bots.ours(botId).ifPresent(bot -> out.add(new BotEvent.Chat(new ChatEvent.MessageDeleted(memberId, bot, botId,
                    dialogId, firstLong(params, "FROM_USER_ID", "AUTHOR_ID"), params.path("MESSAGE_ID").asLong(),
                    language(params.path("LANGUAGE"), data.path("LANGUAGE")), data))));
        }
        return out;
    }

    /** The join page: {@code FROM_USER_ID} is the bot in a private chat, so {@code USER_ID} is read first. */
    private static List<BotEvent> joined(String memberId, JsonNode data, PortalBots bots) {
        JsonNode params = data.path("PARAMS");
        String dialogId = params.path("DIALOG_ID").asText();
        List<BotEvent> out = new ArrayList<>();
        for (long botId : botIds(data.path("BOT"))) {
            bots.ours(botId).ifPresent(bot -> out.add(new BotEvent.Chat(new ChatEvent.Joined(memberId, bot, botId, dialogId,
                    firstLong(params, "USER_ID", "FROM_USER_ID"), language(params.path("LANGUAGE"), data.path("LANGUAGE")),
                    data))));
        }
        return out;
    }

    /** {@code data[COMMAND]} is keyed by command id; each entry names its bot. */
    private static List<BotEvent> command(String memberId, JsonNode data, PortalBots bots) {
        JsonNode params = data.path("PARAMS");
        if (truthy(data.path("USER").path("IS_BOT"))) {
            return List.of();
        }
        String dialogId = params.path("DIALOG_ID").asText();
        List<BotEvent> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = data.path("COMMAND").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode c = entry.getValue();
            long botId = c.path("BOT_ID").asLong();
            bots.ours(botId).ifPresent(bot -> out.add(new BotEvent.Command(new IncomingCommand(memberId, bot, botId, dialogId,
                    EventFields.bare(c.path("COMMAND").asText()), c.path("COMMAND_PARAMS").asText(""),
                    c.path("COMMAND_ID").asLong(parseLong(entry.getKey())),
                    c.path("MESSAGE_ID").asLong(params.path("MESSAGE_ID").asLong()),
                    firstLong(params, "FROM_USER_ID", "AUTHOR_ID"), language(params.path("LANGUAGE"), data.path("LANGUAGE")),
                    c.path("COMMAND_CONTEXT").asText("textarea").toLowerCase(Locale.ROOT), data))));
        }
        return out;
    }

    private static List<Long> botIds(JsonNode bots) {
        List<Long> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = bots.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ids.add(entry.getValue().path("BOT_ID").asLong(parseLong(entry.getKey())));
        }
        return ids;
    }

    private static ChatType chatType(String type, String dialogId) {
        return switch (type) {
            case "P" -> ChatType.PRIVATE;
            case "L" -> ChatType.OPEN_LINE;
            case "C", "O", "N", "J" -> ChatType.GROUP;
            default -> dialogId.startsWith("chat") ? ChatType.GROUP : ChatType.PRIVATE;
        };
    }
}
