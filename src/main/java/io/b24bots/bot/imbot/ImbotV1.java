package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.bitrix.RestCall;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import jakarta.inject.Singleton;

/** The v1 chat-bot methods: {@code imbot.register}, {@code imbot.unregister}, {@code imbot.bot.list}, {@code imbot.message.add}. */
@Singleton
public class ImbotV1 implements ImbotApi {

    private final BitrixClient bitrix;
    private final B24Config config;

    ImbotV1(BitrixClient bitrix, B24Config config) {
        this.bitrix = bitrix;
        this.config = config;
    }

    @Override
    public BotApi version() {
        return BotApi.V1;
    }

    /** imbot.register with every handler URL set to our events endpoint (one set of URLs per app). */
    @Override
    public RegisteredBot register(String memberId, BotDefinition bot) {
        JsonNode answer = bitrix.call(memberId, "imbot.register", params(bot)).body();
        return new RegisteredBot(BitrixResponse.requireLong(answer, "result", "imbot.register"), null);
    }

    Map<String, Object> params(BotDefinition bot) {
        Map<String, Object> properties = new LinkedHashMap<>();
        ImbotCalls.putIfPresent(properties, "NAME", bot.name());
        ImbotCalls.putIfPresent(properties, "LAST_NAME", bot.lastName());
        ImbotCalls.putIfPresent(properties, "COLOR", bot.color());
        ImbotCalls.putIfPresent(properties, "EMAIL", bot.email());
        ImbotCalls.putIfPresent(properties, "PERSONAL_BIRTHDAY", bot.birthday());
        ImbotCalls.putIfPresent(properties, "WORK_POSITION", bot.workPosition());
        ImbotCalls.putIfPresent(properties, "PERSONAL_WWW", bot.www());
        ImbotCalls.putIfPresent(properties, "PERSONAL_GENDER", bot.gender());
        ImbotCalls.putIfPresent(properties, "PERSONAL_PHOTO", bot.avatarBase64());
        String url = PublicUrls.events(config);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("CODE", bot.code());
        params.put("TYPE", bot.type());
        params.put("OPENLINE", bot.openline() ? "Y" : "N");
        params.put("EVENT_MESSAGE_ADD", url);
        params.put("EVENT_MESSAGE_UPDATE", url);
        params.put("EVENT_MESSAGE_DELETE", url);
        params.put("EVENT_WELCOME_MESSAGE", url);
        params.put("EVENT_BOT_DELETE", url);
        params.put("PROPERTIES", properties);
        return params;
    }

    @Override
    public boolean unregister(String memberId, long botId) {
        return ImbotCalls.unlessGone("BOT_ID_ERROR", () -> bitrix.call(memberId, "imbot.unregister", Map.of("BOT_ID", botId)));
    }

    @Override
    public RestCall sendFileCall(long botId, String dialogId, String name, byte[] content, String text) {
        throw noFiles();
    }

    @Override
    public String fileDownloadUrl(String memberId, long botId, long fileId) {
        throw noFiles();
    }

    private static UnsupportedOperationException noFiles() {
        return new UnsupportedOperationException("The v1 bot API has no file methods: declare the bot with api=v2 to send or "
                + "download files");
    }

    /** imbot.bot.list answers an object keyed by bot id (a list when empty). */
    @Override
    public Map<String, Long> list(String memberId) {
        String method = "imbot.bot.list";
        JsonNode result = bitrix.call(memberId, method, Map.of()).result();
        if (!result.isObject() && !result.isArray()) {
            throw BitrixException.malformed(method, "a result that is neither a list nor an object");
        }
        Map<String, Long> byCode = new LinkedHashMap<>();
        for (JsonNode bot : result) {
            if (!bot.isObject()) {
                throw BitrixException.malformed(method, "a bot that is not an object");
            }
            byCode.put(bot.path("CODE").asText(), BitrixResponse.requireLong(bot, "ID", method));
        }
        return byCode;
    }

    @Override
    public boolean exists(String memberId, long botId) {
        return list(memberId).containsValue(botId);
    }

    @Override
    public long send(String memberId, long botId, String dialogId, OutgoingMessage message) {
        RestCall call = sendCall(botId, dialogId, message);
        return messageId(bitrix.call(memberId, call.method(), call.params()).result());
    }

    @Override
    public RestCall sendCall(long botId, String dialogId, OutgoingMessage message) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("BOT_ID", botId);
        params.put("DIALOG_ID", dialogId);
        params.putAll(textRequired(message).v1());
        return new RestCall("imbot.message.add", params);
    }

    @Override
    public long messageId(JsonNode result) {
        return result.asLong(0);
    }

    @Override
    public void update(String memberId, long botId, long messageId, OutgoingMessage message) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("BOT_ID", botId);
        params.put("MESSAGE_ID", messageId);
        params.putAll(message.v1Update());
        bitrix.call(memberId, "imbot.message.update", params);
    }

    @Override
    public void delete(String memberId, long botId, long messageId) {
        bitrix.call(memberId, "imbot.message.delete", Map.of("BOT_ID", botId, "MESSAGE_ID", messageId, "COMPLETE", "Y"));
    }

    @Override
    public void typing(String memberId, long botId, String dialogId) {
        bitrix.call(memberId, "imbot.chat.sendTyping", Map.of("BOT_ID", botId, "DIALOG_ID", dialogId));
    }

    @Override
    public long answerCommand(String memberId, long botId, long commandId, long messageId, String dialogId,
            OutgoingMessage message) {
        RestCall call = answerCommandCall(botId, commandId, messageId, dialogId, message);
        return messageId(bitrix.call(memberId, call.method(), call.params()).result());
    }

    @Override
    public RestCall answerCommandCall(long botId, long commandId, long messageId, String dialogId, OutgoingMessage message) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("COMMAND_ID", commandId);
        params.put("MESSAGE_ID", messageId);
        params.putAll(textRequired(message).v1());
        return new RestCall("imbot.command.answer", params);
    }

    @Override
    public long registerCommand(String memberId, long botId, CommandDefinition command) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("BOT_ID", botId);
        params.put("COMMAND", command.command());
        params.put("COMMON", command.common() ? "Y" : "N");
        params.putAll(commandFields(command));
        params.put("EVENT_COMMAND_ADD", PublicUrls.events(config));
        JsonNode answer = bitrix.call(memberId, "imbot.command.register", params).body();
        return BitrixResponse.requireLong(answer, "result", "imbot.command.register");
    }

    /**
     * imbot.command.update takes HIDDEN, EXTRANET_SUPPORT, LANG (the whole set) and the handler URL, and
     * silently ignores anything else, COMMON among it (v1/commands/imbot-command-update.md): a command
     * whose COMMON changed is registered again instead, and gets a new id.
     */
    @Override
    public long updateCommand(String memberId, long botId, AppliedCommand before, CommandDefinition command) {
        if (before.common() != null && before.common() != command.common()) {
            unregisterCommand(memberId, botId, before.id());
            return registerCommand(memberId, botId, command);
        }
        Map<String, Object> fields = commandFields(command);
        fields.put("EVENT_COMMAND_ADD", PublicUrls.events(config));
        bitrix.call(memberId, "imbot.command.update", Map.of("COMMAND_ID", before.id(), "FIELDS", fields));
        return before.id();
    }

    @Override
    public boolean unregisterCommand(String memberId, long botId, long commandId) {
        try {
            bitrix.call(memberId, "imbot.command.unregister", Map.of("COMMAND_ID", commandId));
            return true;
        } catch (BitrixException e) {
            if ("COMMAND_ID_ERROR".equals(e.code())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The fields register and update share. LANG may not be empty (LANG_ERROR "Lang set can't be empty",
     * v1/commands/imbot-command-register.md): a hidden command without titles gets one entry, English,
     * titled with its own name.
     */
    private static Map<String, Object> commandFields(CommandDefinition command) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("HIDDEN", command.hidden() ? "Y" : "N");
        fields.put("EXTRANET_SUPPORT", command.extranetSupport() ? "Y" : "N");
        List<Map<String, Object>> lang = new ArrayList<>();
        Set<String> languages = new TreeSet<>(command.title().keySet());
        languages.addAll(command.params().keySet());
        for (String language : languages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("LANGUAGE_ID", language);
            entry.put("TITLE", command.title().getOrDefault(language, command.command()));
            ImbotCalls.putIfPresent(entry, "PARAMS", command.params().get(language));
            lang.add(entry);
        }
        if (lang.isEmpty()) {
            lang.add(Map.of("LANGUAGE_ID", "en", "TITLE", command.command()));
        }
        fields.put("LANG", lang);
        return fields;
    }

    /** imbot.update with every field imbot.register got, so the portal holds what is declared. */
    @Override
    public void updateBot(String memberId, long botId, BotDefinition bot) {
        Map<String, Object> fields = new LinkedHashMap<>(params(bot));
        fields.remove("TYPE");
        fields.remove("OPENLINE");
        bitrix.call(memberId, "imbot.update", Map.of("BOT_ID", botId, "FIELDS", fields));
    }

    /**
     * A v1 message needs text: imbot.message.add and imbot.command.answer answer MESSAGE_EMPTY to an
     * attachment alone (their pages). Said at once, to the handler that wrote it, rather than as a
     * failure from Bitrix24 later; v2 bots may send an attachment alone.
     */
    private static OutgoingMessage textRequired(OutgoingMessage message) {
        if (message.text().isBlank() && !message.isEmpty()) {
            throw new IllegalArgumentException("A v1 bot's message needs text: Bitrix24 refuses an attachment alone "
                    + "(MESSAGE_EMPTY); add a text, or declare the bot with api=v2");
        }
        return message;
    }
}
