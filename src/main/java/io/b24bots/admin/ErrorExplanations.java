package io.b24bots.admin;

import io.b24bots.bitrix.BitrixErrorCodes;

/** Turns an error code into the plain-language explanation an administrator can act on. */
final class ErrorExplanations {

    private ErrorExplanations() {
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
