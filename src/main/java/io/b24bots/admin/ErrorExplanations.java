package io.b24bots.admin;

import io.b24bots.bitrix.BitrixErrorCodes;
import io.quarkus.qute.i18n.MessageBundles;

/** Turns an error code into the plain-language explanation an administrator can act on. */
public final class ErrorExplanations {

    private ErrorExplanations() {
    }

    /** The explanation in English, as the operator console shows it. */
    public static String english(String code) {
        return explain(code, MessageBundles.get(AdminMessages.class));
    }

    static String explain(String code, AdminMessages msg) {
        if (code == null) {
            return null;
        }
        return switch (BitrixErrorCodes.advice(code)) {
            case TAKEN -> msg.explainTaken();
            case LIMIT -> msg.explainLimit();
            case PERMISSION -> msg.explainPermission();
            case CALLBACK -> msg.explainCallback();
            case SETTINGS -> msg.explainSettings();
            case SLOW_DOWN -> msg.explainSlowDown();
            case UNAVAILABLE -> msg.explainUnavailable();
            case ACCESS -> msg.explainAccess();
            case BLOCKED -> msg.explainBlocked();
            case NOT_FOUND -> msg.explainNotFound();
            case HANDLER -> msg.explainHandler();
            case ABANDONED -> msg.explainAbandoned();
            case MESSAGE -> msg.explainMessage();
            case OTHER -> msg.explainOther();
        };
    }
}
