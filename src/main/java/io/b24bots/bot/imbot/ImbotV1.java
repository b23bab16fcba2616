package io.b24bots.bot.imbot;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import jakarta.enterprise.context.ApplicationScoped;

/** The v1 chat-bot methods: {@code imbot.register}, {@code imbot.unregister}, {@code imbot.bot.list}, {@code imbot.message.add}. */
@ApplicationScoped
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
        putIfPresent(properties, "NAME", bot.name());
        putIfPresent(properties, "LAST_NAME", bot.lastName());
        putIfPresent(properties, "COLOR", bot.color());
        putIfPresent(properties, "EMAIL", bot.email());
        putIfPresent(properties, "PERSONAL_BIRTHDAY", bot.birthday());
        putIfPresent(properties, "WORK_POSITION", bot.workPosition());
        putIfPresent(properties, "PERSONAL_WWW", bot.www());
        putIfPresent(properties, "PERSONAL_GENDER", bot.gender());
        putIfPresent(properties, "PERSONAL_PHOTO", bot.avatarBase64());
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
        return unlessGone("BOT_ID_ERROR", () -> bitrix.call(memberId, "imbot.unregister", Map.of("BOT_ID", botId)));
    }

    /** Runs a call about one bot: true when it went through, false when Bitrix24 said the bot does not exist. */
    static boolean unlessGone(String goneCode, Runnable call) {
        try {
            call.run();
            return true;
        } catch (BitrixException e) {
            if (goneCode.equals(e.code())) {
                return false;
            }
            throw e;
        }
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
    public void send(String memberId, long botId, String dialogId, String text) {
        bitrix.call(memberId, "imbot.message.add", Map.of("BOT_ID", botId, "DIALOG_ID", dialogId, "MESSAGE", text));
    }

    static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
