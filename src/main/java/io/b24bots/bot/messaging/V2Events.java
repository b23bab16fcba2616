package io.b24bots.bot.messaging;

import static io.b24bots.bot.messaging.EventFields.dialogId;
import static io.b24bots.bot.messaging.EventFields.language;
import static io.b24bots.bot.messaging.EventFields.truthy;
import static io.b24bots.bot.messaging.EventFields.values;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.handler.ChatEvent;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage;
import io.b24bots.bot.handler.IncomingMessage.ChatType;
import io.b24bots.bot.messaging.BotEvent.PortalBots;

/**
 * Reads v2 bot events ({@code ONIMBOTV2*}), webhook and fetched alike: the shapes are the same, a
 * webhook's scalars are form strings where a fetched event's are typed JSON ({@link EventFields}).
 * A v2 event concerns one bot, {@code data.bot.id}.
 */
final class V2Events {

    static final List<String> NAMES = List.of("ONIMBOTV2MESSAGEADD", "ONIMBOTV2MESSAGEUPDATE", "ONIMBOTV2MESSAGEDELETE",
            "ONIMBOTV2REACTIONCHANGE", "ONIMBOTV2JOINCHAT", "ONIMBOTV2CONTEXTGET", "ONIMBOTV2COMMANDADD", "ONIMBOTV2DELETE");

    private V2Events() {
    }

    static List<BotEvent> read(String event, String memberId, JsonNode data, PortalBots bots) {
        long botId = data.path("bot").path("id").asLong();
        if (event.equals("ONIMBOTV2DELETE")) {
            return List.of(new BotEvent.Deletion(botId, data));
        }
        return bots.ours(botId).map(bot -> switch (event) {
            case "ONIMBOTV2MESSAGEADD" -> message(memberId, bot, botId, data, bots, false);
            case "ONIMBOTV2MESSAGEUPDATE" -> message(memberId, bot, botId, data, bots, true);
            case "ONIMBOTV2COMMANDADD" -> command(memberId, bot, botId, data);
            case "ONIMBOTV2MESSAGEDELETE", "ONIMBOTV2REACTIONCHANGE", "ONIMBOTV2JOINCHAT", "ONIMBOTV2CONTEXTGET" ->
                    chat(event, memberId, bot, botId, data, bots);
            default -> List.<BotEvent>of();
        }).orElse(List.of());
    }

    private static List<BotEvent> message(String memberId, BotDefinition bot, long botId, JsonNode data, PortalBots bots,
            boolean update) {
        JsonNode message = data.path("message");
        JsonNode user = data.path("user");
        JsonNode chat = data.path("chat");
        long authorId = message.path("authorId").asLong(user.path("id").asLong());
        if (truthy(user.path("bot")) || "bot".equals(user.path("type").asText()) || truthy(message.path("isSystem"))
                || bots.isOurBot(authorId)) {
            return List.of();
        }
        String dialogId = dialogId(chat.path("dialogId").asText(""), authorId);
        String text = message.path("text").asText("");
        String language = language(data.path("language"), null);
        long messageId = message.path("id").asLong();
        if (update) {
            return List.of(new BotEvent.Chat(new ChatEvent.MessageUpdated(memberId, bot, botId, dialogId, authorId, messageId,
                    text, language, data)));
        }
        List<JsonNode> files = values(message.path("params").path("FILES"));
        if (files.isEmpty()) {
            files = values(data.path("files"));
        }
        return List.of(new BotEvent.Message(new IncomingMessage(memberId, bot, botId, dialogId, authorId,
                Mentions.withoutMention(text, botId), language, messageId, message.path("chatId").asLong(chat.path("id").asLong()),
                chatType(chat, dialogId), Mentions.addressedInText(text, botId), user.path("name").asText(""),
                truthy(user.path("extranet")) || "extranet".equals(user.path("type").asText()), truthy(user.path("connector")),
                files, data)));
    }

    private static List<BotEvent> chat(String event, String memberId, BotDefinition bot, long botId, JsonNode data,
            PortalBots bots) {
        JsonNode user = data.path("user");
        long userId = user.path("id").asLong();
        String given = data.path("dialogId").asText("");
        String dialogId = given.isEmpty() ? dialogId(data.path("chat").path("dialogId").asText(""), userId) : given;
        long messageId = data.path("messageId").asLong(data.path("message").path("id").asLong());
        String language = language(data.path("language"), null);
        ChatEvent chatEvent = switch (event) {
            case "ONIMBOTV2MESSAGEDELETE" -> new ChatEvent.MessageDeleted(memberId, bot, botId, dialogId, userId, messageId,
                    language, data);
            case "ONIMBOTV2JOINCHAT" -> new ChatEvent.Joined(memberId, bot, botId, dialogId, userId, language, data);
            case "ONIMBOTV2CONTEXTGET" -> new ChatEvent.ContextOpened(memberId, bot, botId, dialogId, userId,
                    data.has("context") ? data.path("context") : MissingNode.getInstance(), language, data);
            default -> {
                if (truthy(user.path("bot")) || bots.isOurBot(userId)) {
                    yield null;
                }
                yield new ChatEvent.ReactionChanged(memberId, bot, botId, dialogId, userId, messageId,
                        data.path("reaction").asText(null), !"delete".equals(data.path("action").asText("add")), language, data);
            }
        };
        return chatEvent == null ? List.of() : List.of(new BotEvent.Chat(chatEvent));
    }

    private static List<BotEvent> command(String memberId, BotDefinition bot, long botId, JsonNode data) {
        JsonNode c = data.path("command");
        JsonNode message = data.path("message");
        JsonNode user = data.path("user");
        if (truthy(user.path("bot"))) {
            return List.of();
        }
        long authorId = message.path("authorId").asLong(user.path("id").asLong());
        String dialogId = dialogId(data.path("chat").path("dialogId").asText(""), authorId);
        return List.of(new BotEvent.Command(new IncomingCommand(memberId, bot, botId, dialogId,
                EventFields.bare(c.path("command").asText()), c.path("params").asText(""), c.path("id").asLong(),
                message.path("id").asLong(), authorId, language(data.path("language"), null),
                c.path("context").asText("textarea").toLowerCase(Locale.ROOT), data)));
    }

    private static ChatType chatType(JsonNode chat, String dialogId) {
        if (!dialogId.startsWith("chat")) {
            return ChatType.PRIVATE;
        }
        if ("LINES".equalsIgnoreCase(chat.path("entityType").asText()) || "L".equals(chat.path("messageType").asText())
                || "lines".equalsIgnoreCase(chat.path("type").asText())) {
            return ChatType.OPEN_LINE;
        }
        return ChatType.GROUP;
    }
}
