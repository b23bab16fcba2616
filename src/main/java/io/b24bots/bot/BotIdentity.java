package io.b24bots.bot;

/**
 * What the message path needs of a bot row: its id in Bitrix24 (null until registered), code, status,
 * and how Bitrix24 holds it: its API and (v2) event mode, which decide which deliveries are its.
 */
public record BotIdentity(Long botId, String code, BotStatus status, BotApi api, EventMode eventMode) {

    /**
     * Whether an event of this name, delivered to the events URL, is one Bitrix24 sends this bot: v1
     * events to a v1 bot, v2 webhook events to a v2 bot in webhook mode. A fetch-mode bot reads its
     * events with imbot.v2.Event.get, and a bot gets events only in its own API's format (v2 index), so
     * anything else would be a second copy.
     */
    public boolean takesWebhook(String event) {
        if (event.startsWith("ONIMBOTV2")) {
            return api == BotApi.V2 && eventMode == EventMode.WEBHOOK;
        }
        return api == BotApi.V1;
    }
}
