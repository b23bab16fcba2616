package io.b24bots.bot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.BitrixResponse;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import jakarta.enterprise.context.ApplicationScoped;

/** Builds and sends the registration calls of both APIs, exactly as the two Bitrix24 pages describe them. */
@ApplicationScoped
public class BotRegistrar {

    /** What Bitrix24 answered: the bot id and, for v2, the {@code bot} object. */
    public record Registered(long botId, String botObject) {
    }

    private final BitrixClient bitrix;
    private final B24Config config;

    BotRegistrar(BitrixClient bitrix, B24Config config) {
        this.bitrix = bitrix;
        this.config = config;
    }

    private String eventsUrl() {
        return PublicUrls.events(config);
    }

    public Registered register(String memberId, BotDefinition bot) {
        return bot.api() == BotApi.V2 ? registerV2(memberId, bot) : registerV1(memberId, bot);
    }

    /** imbot.v2.Bot.register, OAuth variant: {@code fields} and {@code auth}, no {@code botToken}. */
    Registered registerV2(String memberId, BotDefinition bot) {
        String method = "imbot.v2.Bot.register";
        JsonNode created = bitrix.call(memberId, method, Map.of("fields", v2Fields(bot))).requireObject(method).path("bot");
        if (!created.isObject()) {
            throw BitrixException.malformed(method, "without result.bot");
        }
        return new Registered(BitrixResponse.requireLong(created, "id", method), created.toString());
    }

    Map<String, Object> v2Fields(BotDefinition bot) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("name", bot.name());
        putIfPresent(properties, "lastName", bot.lastName());
        putIfPresent(properties, "workPosition", bot.workPosition());
        putIfPresent(properties, "color", bot.color());
        putIfPresent(properties, "gender", bot.gender());
        putIfPresent(properties, "avatar", bot.avatarBase64());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("code", bot.code());
        fields.put("type", bot.type());
        fields.put("eventMode", bot.eventMode());
        if ("webhook".equals(bot.eventMode())) {
            fields.put("webhookUrl", eventsUrl());
        }
        fields.put("properties", properties);
        putIfPresent(fields, "isHidden", bot.isHidden());
        putIfPresent(fields, "isReactionsEnabled", bot.isReactionsEnabled());
        putIfPresent(fields, "isSupportOpenline", bot.isSupportOpenline());
        putIfPresent(fields, "backgroundId", bot.backgroundId());
        return fields;
    }

    /** imbot.register with every handler URL set to our events endpoint (one set of URLs per app). */
    Registered registerV1(String memberId, BotDefinition bot) {
        JsonNode answer = bitrix.call(memberId, "imbot.register", v1Params(bot)).body();
        return new Registered(BitrixResponse.requireLong(answer, "result", "imbot.register"), null);
    }

    Map<String, Object> v1Params(BotDefinition bot) {
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
        String url = eventsUrl();
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

    /** The id of a v1 bot with our code, if the portal already has one (after an unanswered register). */
    public Optional<Long> findV1BotId(String memberId, String code) {
        for (JsonNode bot : v1Bots(bitrix.call(memberId, "imbot.bot.list", Map.of()))) {
            if (code.equals(bot.path("CODE").asText())) {
                return Optional.of(BitrixResponse.requireLong(bot, "ID", "imbot.bot.list"));
            }
        }
        return Optional.empty();
    }

    /** The bots of an imbot.bot.list answer, which Bitrix24 sends as an object keyed by id (a list when empty). */
    static Iterable<JsonNode> v1Bots(BitrixResponse answer) {
        JsonNode result = answer.result();
        if (!result.isObject() && !result.isArray()) {
            throw BitrixException.malformed("imbot.bot.list", "a result that is neither a list nor an object");
        }
        for (JsonNode bot : result) {
            if (!bot.isObject()) {
                throw BitrixException.malformed("imbot.bot.list", "a bot that is not an object");
            }
        }
        return result;
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
