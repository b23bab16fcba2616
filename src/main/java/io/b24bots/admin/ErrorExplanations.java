package io.b24bots.admin;

import java.util.Set;

/** Turns a Bitrix24 error code into the plain-language explanation an administrator can act on. */
final class ErrorExplanations {

    private static final Set<String> TAKEN = Set.of("BOT_CODE_ALREADY_TAKEN", "APP_ID_ERROR", "BOT_OWNERSHIP_ERROR");
    private static final Set<String> LIMIT = Set.of("BOT_LIMIT_EXCEEDED", "MAX_COUNT_ERROR");
    private static final Set<String> PERMISSION = Set.of("ACCESS_DENIED", "insufficient_scope", "INVALID_CREDENTIALS",
            "WRONG_AUTH_TYPE", "user_access_error", "METHOD_CONFIRM_WAITING", "PAYMENT_REQUIRED");
    private static final Set<String> CALLBACK = Set.of("BOT_INVALID_CALLBACK", "BOT_WEBHOOK_URL_REQUIRED",
            "EVENT_MESSAGE_ADD_ERROR", "EVENT_MESSAGE_UPDATE_ERROR", "EVENT_MESSAGE_DELETE_ERROR",
            "EVENT_WELCOME_MESSAGE_ERROR", "EVENT_BOT_DELETE_ERROR", "INVALID_REQUEST");
    private static final Set<String> SETTINGS = Set.of("BOT_CODE_REQUIRED", "BOT_PROPERTIES_REQUIRED", "BOT_INVALID_TYPE",
            "BOT_INVALID_EVENT_MODE", "BOT_AVATAR_INCORRECT_TYPE", "BOT_AVATAR_INCORRECT_SIZE", "BOT_REGISTER_FAILED",
            "BOT_TOKEN_NOT_SPECIFIED", "CODE_ERROR", "NAME_ERROR", "WRONG_REQUEST", "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_MANIFEST_IS_NOT_AVAILABLE");
    private static final Set<String> SLOW_DOWN = Set.of("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "RATE_LIMITED");
    private static final Set<String> UNAVAILABLE = Set.of("INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER",
            "NETWORK_ERROR", "TIMEOUT", "OAUTH_UNAVAILABLE", "PORTAL_MOVED");
    private static final Set<String> ACCESS = Set.of("REAUTH_REQUIRED", "UNINSTALLED", "PORTAL_UNKNOWN", "expired_token",
            "invalid_token", "NO_AUTH_FOUND", "invalid_grant", "PORTAL_DELETED");
    private static final Set<String> NOT_FOUND = Set.of("BOT_NOT_FOUND", "BOT_ID_ERROR");

    private ErrorExplanations() {
    }

    static String explain(String code, AdminMessages msg) {
        if (code == null) {
            return null;
        }
        if (TAKEN.contains(code)) {
            return msg.explainTaken();
        } else if (LIMIT.contains(code)) {
            return msg.explainLimit();
        } else if (PERMISSION.contains(code)) {
            return msg.explainPermission();
        } else if (CALLBACK.contains(code)) {
            return msg.explainCallback();
        } else if (SETTINGS.contains(code)) {
            return msg.explainSettings();
        } else if (SLOW_DOWN.contains(code)) {
            return msg.explainSlowDown();
        } else if (UNAVAILABLE.contains(code) || code.startsWith("HTTP_5")) {
            return msg.explainUnavailable();
        } else if (ACCESS.contains(code)) {
            return msg.explainAccess();
        } else if ("OVERLOAD_LIMIT".equals(code)) {
            return msg.explainBlocked();
        } else if (NOT_FOUND.contains(code)) {
            return msg.explainNotFound();
        }
        return msg.explainOther();
    }
}
