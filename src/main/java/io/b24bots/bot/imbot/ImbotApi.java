package io.b24bots.bot.imbot;

import java.util.Map;

import io.b24bots.bot.BotApi;
import io.b24bots.bot.declaration.BotDefinition;

/**
 * The chat-bot methods of one Bitrix24 API version, called for a portal through its stored OAuth
 * token (after b24phpsdk's {@code Services/IMBot}). Callers choose the version once, through
 * {@link Imbot}, instead of branching on it at every call.
 */
public interface ImbotApi {

    BotApi version();

    /** Registers the declared bot (v2: idempotent per code; v1: a new bot every time). */
    RegisteredBot register(String memberId, BotDefinition bot);

    /** Removes a bot of this app; false when Bitrix24 no longer knew it. */
    boolean unregister(String memberId, long botId);

    /**
     * The portal's bots by code as this API lists them: v2 lists this app's bots only (read page by
     * page, a bounded number of pages), v1 lists every bot of the portal, other apps' too.
     */
    Map<String, Long> list(String memberId);

    /** Whether Bitrix24 still knows the bot. */
    boolean exists(String memberId, long botId);

    /** Sends a text message as the bot into a dialog ({@code "<userId>"} or {@code "chat<id>"}). */
    void send(String memberId, long botId, String dialogId, String text);
}
