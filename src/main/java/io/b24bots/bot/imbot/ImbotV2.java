package io.b24bots.bot.imbot;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.bitrix.RestCall;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.EventMode;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import jakarta.inject.Singleton;

/**
 * The v2 chat-bot methods, OAuth variant ({@code auth}, no {@code botToken}):
 * {@code imbot.v2.Bot.register/unregister/list/get} and {@code imbot.v2.Chat.Message.send}.
 */
@Singleton
public class ImbotV2 implements ImbotApi {

    private static final int PAGE = 50;

    private final BitrixClient bitrix;
    private final B24Config config;

    ImbotV2(BitrixClient bitrix, B24Config config) {
        this.bitrix = bitrix;
        this.config = config;
    }

    @Override
    public BotApi version() {
        return BotApi.V2;
    }

    @Override
    public RegisteredBot register(String memberId, BotDefinition bot) {
        String method = "imbot.v2.Bot.register";
        JsonNode created = bitrix.call(memberId, method, Map.of("fields", fields(bot))).requireObject(method).path("bot");
        if (!created.isObject()) {
            throw BitrixException.malformed(method, "without result.bot");
        }
        return new RegisteredBot(BitrixResponse.requireLong(created, "id", method), created.toString());
    }

    Map<String, Object> fields(BotDefinition bot) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("name", bot.name());
        ImbotCalls.putIfPresent(properties, "lastName", bot.lastName());
        ImbotCalls.putIfPresent(properties, "workPosition", bot.workPosition());
        ImbotCalls.putIfPresent(properties, "color", bot.color());
        ImbotCalls.putIfPresent(properties, "gender", bot.gender());
        ImbotCalls.putIfPresent(properties, "avatar", bot.avatarBase64());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("code", bot.code());
        fields.put("type", bot.type());
        fields.put("eventMode", bot.eventMode().value());
        if (bot.eventMode() == EventMode.WEBHOOK) {
            fields.put("webhookUrl", PublicUrls.events(config));
        }
        fields.put("properties", properties);
        ImbotCalls.putIfPresent(fields, "isHidden", bot.isHidden());
        ImbotCalls.putIfPresent(fields, "isReactionsEnabled", bot.isReactionsEnabled());
        ImbotCalls.putIfPresent(fields, "isSupportOpenline", bot.isSupportOpenline());
        ImbotCalls.putIfPresent(fields, "backgroundId", bot.backgroundId());
        return fields;
    }

    @Override
    public boolean unregister(String memberId, long botId) {
        return ImbotCalls.unlessGone("BOT_NOT_FOUND", () -> bitrix.call(memberId, "imbot.v2.Bot.unregister", Map.of("botId", botId)));
    }

    /**
     * Every page of imbot.v2.Bot.list, at most {@code b24.rest.max-pages} of them: a portal that says
     * {@code hasNextPage} for ever, or sends a page with nothing new, ends the read with TOO_MANY_PAGES.
     */
    @Override
    public Map<String, Long> list(String memberId) {
        String method = "imbot.v2.Bot.list";
        Map<String, Long> byCode = new LinkedHashMap<>();
        int offset = 0;
        for (int pages = 1; ; pages++) {
            JsonNode page = bitrix.call(memberId, method, Map.of("limit", PAGE, "offset", offset)).requireObject(method);
            JsonNode bots = BitrixResponse.optionalArray(page, "bots", method);
            int before = byCode.size();
            for (JsonNode bot : bots) {
                if (!bot.isObject() || !bot.path("code").isTextual()) {
                    throw BitrixException.malformed(method, "a bot without a code");
                }
                byCode.put(bot.path("code").asText(), BitrixResponse.requireLong(bot, "id", method));
            }
            if (!BitrixResponse.optionalBoolean(page, "hasNextPage", false, method) || bots.isEmpty()) {
                return byCode;
            }
            if (byCode.size() == before) {
                throw BitrixException.permanent(BitrixException.TOO_MANY_PAGES,
                        method + " repeated a page it had already sent (offset " + offset + ")");
            }
            if (pages >= config.rest().maxPages()) {
                throw BitrixException.permanent(BitrixException.TOO_MANY_PAGES,
                        method + " still had more after " + pages + " pages (b24.rest.max-pages)");
            }
            offset += bots.size();
        }
    }

    @Override
    public boolean exists(String memberId, long botId) {
        return ImbotCalls.unlessGone("BOT_NOT_FOUND", () -> bitrix.call(memberId, "imbot.v2.Bot.get", Map.of("botId", botId)));
    }

    @Override
    public long send(String memberId, long botId, String dialogId, OutgoingMessage message) {
        RestCall call = sendCall(botId, dialogId, message);
        return messageId(bitrix.call(memberId, call.method(), call.params()).result());
    }

    @Override
    public RestCall sendCall(long botId, String dialogId, OutgoingMessage message) {
        return new RestCall("imbot.v2.Chat.Message.send", Map.of("botId", botId, "dialogId", dialogId, "fields", message.v2(true)));
    }

    @Override
    public long messageId(JsonNode result) {
        return result.path("id").asLong(result.path("messageId").asLong(0));
    }

    /** imbot.v2.File.upload: the name with its extension, the content in Base64 (at most 100 MB at Bitrix24). */
    @Override
    public RestCall sendFileCall(long botId, String dialogId, String name, byte[] content, String text) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", name);
        fields.put("content", Base64.getEncoder().encodeToString(content));
        ImbotCalls.putIfPresent(fields, "message", text == null || text.isBlank() ? null : text);
        return new RestCall("imbot.v2.File.upload", Map.of("botId", botId, "dialogId", dialogId, "fields", fields));
    }

    @Override
    public String fileDownloadUrl(String memberId, long botId, long fileId) {
        JsonNode result = bitrix.call(memberId, "imbot.v2.File.download", Map.of("botId", botId, "fileId", fileId)).result();
        String url = result.path("downloadUrl").asText("");
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw BitrixException.malformed("imbot.v2.File.download", "without a download link");
        }
        return url;
    }

    @Override
    public void update(String memberId, long botId, long messageId, OutgoingMessage message) {
        bitrix.call(memberId, "imbot.v2.Chat.Message.update",
                Map.of("botId", botId, "messageId", messageId, "fields", message.v2Update()));
    }

    @Override
    public void delete(String memberId, long botId, long messageId) {
        bitrix.call(memberId, "imbot.v2.Chat.Message.delete", Map.of("botId", botId, "messageId", messageId, "complete", true));
    }

    @Override
    public void typing(String memberId, long botId, String dialogId) {
        bitrix.call(memberId, "imbot.v2.Chat.InputAction.notify", Map.of("botId", botId, "dialogId", dialogId));
    }

    @Override
    public long answerCommand(String memberId, long botId, long commandId, long messageId, String dialogId,
            OutgoingMessage message) {
        RestCall call = answerCommandCall(botId, commandId, messageId, dialogId, message);
        return messageId(bitrix.call(memberId, call.method(), call.params()).result());
    }

    @Override
    public RestCall answerCommandCall(long botId, long commandId, long messageId, String dialogId, OutgoingMessage message) {
        return new RestCall("imbot.v2.Command.answer", Map.of("botId", botId, "commandId", commandId, "messageId", messageId,
                "dialogId", dialogId, "fields", message.v2(false)));
    }

    @Override
    public long registerCommand(String memberId, long botId, CommandDefinition command) {
        String method = "imbot.v2.Command.register";
        JsonNode created = bitrix.call(memberId, method, Map.of("botId", botId, "fields", commandFields(command)))
                .requireObject(method).path("command");
        if (!created.isObject()) {
            throw BitrixException.malformed(method, "without result.command");
        }
        return BitrixResponse.requireLong(created, "id", method);
    }

    /**
     * v2/imbot.v2/commands/command-update.md: in {@code title} a language left out keeps its old text, so
     * each language applied before and no longer declared is sent as {@code null}, which removes it. A
     * null travels only in a JSON body: this call is never put in a {@code batch}.
     */
    @Override
    public long updateCommand(String memberId, long botId, AppliedCommand before, CommandDefinition command) {
        Map<String, Object> fields = commandFields(command);
        Map<String, Object> title = new LinkedHashMap<>(command.title());
        for (String language : before.languages()) {
            if (!title.containsKey(language)) {
                title.put(language, null);
            }
        }
        if (title.isEmpty()) {
            fields.remove("title");
        } else {
            fields.put("title", title);
        }
        bitrix.call(memberId, "imbot.v2.Command.update", Map.of("botId", botId, "commandId", before.id(), "fields", fields));
        return before.id();
    }

    @Override
    public boolean unregisterCommand(String memberId, long botId, long commandId) {
        try {
            bitrix.call(memberId, "imbot.v2.Command.unregister", Map.of("botId", botId, "commandId", commandId));
            return true;
        } catch (BitrixException e) {
            if ("COMMAND_NOT_FOUND".equals(e.code()) || "BOT_NOT_FOUND".equals(e.code())) {
                return false;
            }
            throw e;
        }
    }

    private static Map<String, Object> commandFields(CommandDefinition command) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("command", command.command());
        if (!command.title().isEmpty()) {
            fields.put("title", command.title());
        }
        if (!command.params().isEmpty()) {
            fields.put("params", command.params());
        }
        fields.put("common", command.common());
        fields.put("hidden", command.hidden());
        fields.put("extranetSupport", command.extranetSupport());
        return fields;
    }

    /** imbot.v2.Bot.update with what registration sends but the code and type, which cannot change. */
    @Override
    public void updateBot(String memberId, long botId, BotDefinition bot) {
        Map<String, Object> fields = new LinkedHashMap<>(fields(bot));
        fields.remove("code");
        fields.remove("type");
        bitrix.call(memberId, "imbot.v2.Bot.update", Map.of("botId", botId, "fields", fields));
    }
}
