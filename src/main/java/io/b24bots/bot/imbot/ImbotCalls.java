package io.b24bots.bot.imbot;

import java.util.Map;

import io.b24bots.bitrix.BitrixException;

/** What the v1 and v2 clients do alike around their calls. */
final class ImbotCalls {

    private ImbotCalls() {
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

    /** Optional parameters are left out rather than sent empty. */
    static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
