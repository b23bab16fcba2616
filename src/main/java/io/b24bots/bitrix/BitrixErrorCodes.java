package io.b24bots.bitrix;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one catalogue of Bitrix24 error codes this service knows (from the REST and chat-bot pages,
 * plus the codes of its own {@link BitrixException}s), each with whether waiting can help. It decides
 * which failures are transient, and which codes may become metric tags: an answer is written by a
 * portal, so an unknown code is tagged {@value #OTHER} instead of growing the metrics without bound.
 */
public final class BitrixErrorCodes {

    /** The metric tag of every code not in the catalogue. */
    public static final String OTHER = "other";
    /** The tag of an outcome without an error. */
    public static final String NONE = "none";

    /** What an administrator can do about a failure: the admin page explains each in plain words. */
    public enum Advice {
        /** Another app (or a bot of another app) holds the code. */
        TAKEN,
        /** The portal's bot limit is reached. */
        LIMIT,
        /** The app lacks a permission, scope or plan. */
        PERMISSION,
        /** Bitrix24 refused our handler URL. */
        CALLBACK,
        /** The bot's declaration is wrong for Bitrix24. */
        SETTINGS,
        /** Limits: it passes by itself. */
        SLOW_DOWN,
        /** Bitrix24 or the network failed: it passes by itself. */
        UNAVAILABLE,
        /** The app's access to the portal is gone: an admin must open or reinstall it. */
        ACCESS,
        /** Bitrix24 support blocked the app's calls. */
        BLOCKED,
        /** The bot is gone from the portal. */
        NOT_FOUND,
        /** The bot's own handler code failed. */
        HANDLER,
        /** Bitrix24 refused a message the bot wrote (empty, too large, malformed): the bot's code must change. */
        MESSAGE,
        /** The work took the service down each time it ran, so it is not run again. */
        ABANDONED,
        OTHER
    }

    private static final Pattern HTTP_STATUS = Pattern.compile("HTTP_[1-5][0-9]{2}");
    private static final Map<String, Boolean> TRANSIENT = new HashMap<>();
    private static final Map<String, Advice> ADVICE = new HashMap<>();

    static {
        transientCodes(
                // Limits: a pause helps.
                "QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT",
                // Bitrix24 trouble.
                "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER",
                // Token trouble: a refresh helps.
                "expired_token", "invalid_token",
                // Ours.
                BitrixException.NETWORK_ERROR, BitrixException.TIMEOUT, BitrixException.PORTAL_MOVED,
                BitrixException.RATE_LIMITED, BitrixException.PORTAL_BACKED_OFF, BitrixException.ANSWER_MEMORY_BUSY,
                // The service's own codes on bot rows.
                "OAUTH_UNAVAILABLE");
        permanentCodes(
                // Portal and access.
                "PORTAL_DELETED", "OVERLOAD_LIMIT", "NO_AUTH_FOUND", "ACCESS_DENIED", "ACCESS_ERROR",
                "insufficient_scope", "INVALID_CREDENTIALS", "WRONG_AUTH_TYPE", "user_access_error",
                "METHOD_CONFIRM_WAITING", "PAYMENT_REQUIRED", "STATUS_PAYMENT_REQUIRED", "invalid_grant",
                "invalid_client", "invalid_request", "invalid_scope", "AUTHORIZE_ERROR", "SCOPE_ERROR", "APP_ID_ERROR",
                "CLIENT_ID_NOT_SPECIFIED",
                // Requests.
                "ERROR_METHOD_NOT_FOUND", "METHOD_NOT_FOUND", "METHOD_NOT_SUPPORTED_ON_DEVICE", "INVALID_REQUEST",
                "WRONG_REQUEST", "PARAMS_REQUIRED", "ERROR_BATCH_METHOD_NOT_ALLOWED",
                "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_MANIFEST_IS_NOT_AVAILABLE", "JSON_THROW_ON_ERROR", "ERROR_CORE",
                "WITHOUT_CHANGES",
                // Events (event.bind: the page's ERROR_EVENT_NOT_FOUND; the core's handler URL checks).
                "ERROR_EVENT_NOT_FOUND", "ERROR_WRONG_HANDLER_URL", "ERROR_UNSUPPORTED_PROTOCOL", "ERROR_HANDLER_ALREADY_EXIST",
                // Bots.
                "BOT_CODE_ALREADY_TAKEN", "BOT_LIMIT_EXCEEDED", "MAX_COUNT_ERROR", "BOT_OWNERSHIP_ERROR",
                "BOT_NOT_FOUND", "BOT_ID_ERROR", "BOT_ID_REQUIRED", "BOT_CODE_REQUIRED", "BOT_PROPERTIES_REQUIRED",
                "BOT_INVALID_TYPE", "BOT_TYPE_NOT_ALLOWED", "BOT_INVALID_EVENT_MODE", "BOT_INVALID_CALLBACK",
                "BOT_WEBHOOK_URL_REQUIRED", "BOT_AVATAR_INCORRECT_TYPE", "BOT_AVATAR_INCORRECT_SIZE",
                "BOT_REGISTER_FAILED", "BOT_UNREGISTER_FAILED", "BOT_UPDATE_FAILED", "BOT_TOKEN_NOT_SPECIFIED",
                "BOT_TOKEN_ROTATION_FAILED", "FETCH_NOT_SUPPORTED", "AUTH_ERROR", "USER_NOT_SUBSCRIBED",
                "CODE_ERROR", "NAME_ERROR", "AVATAR_ERROR", "IMBOT_ERROR", "EVENT_MESSAGE_ADD_ERROR",
                "EVENT_MESSAGE_UPDATE_ERROR", "EVENT_MESSAGE_DELETE_ERROR", "EVENT_WELCOME_MESSAGE_ERROR",
                "EVENT_BOT_DELETE_ERROR", "EVENT_COMMAND_ADD_ERROR",
                // Commands, chats and messages.
                "COMMAND_ERROR", "COMMAND_ID_ERROR", "COMMAND_NOT_FOUND", "COMMAND_REQUIRED", "COMMAND_TITLE_REQUIRED",
                "COMMAND_TITLE_INVALID", "COMMAND_NAME_INVALID", "COMMAND_NAME_EMPTY", "COMMAND_ALREADY_EXISTS", "LANG_ERROR",
                "COMMAND_REGISTER_FAILED", "COMMAND_ANSWER_FAILED", "CHAT_NOT_FOUND", "DIALOG_ID_EMPTY",
                "MESSAGE_EMPTY", "EMPTY_MESSAGE", "MESSAGE_ID_ERROR", "MESSAGE_ID_EMPTY", "MESSAGE_ACCESS_DENIED",
                "CANT_EDIT_MESSAGE", "USER_MESSAGE_LIMIT", "ATTACH_ERROR", "ATTACH_OVERSIZE", "KEYBOARD_ERROR",
                "KEYBOARD_OVERSIZE", "MENU_ERROR", "MENU_OVERSIZE", "PARAM_ATTACH_ERROR", "PARAM_KEYBOARD_ERROR",
                "PARAM_MENU_ERROR", "REACTION_NOT_FOUND", "SENDING_FAILED", "LINE_NOT_FOUND",
                // Open lines (imopenlines.bot.session.*).
                "CHAT_ID_EMPTY", "WRONG_CHAT",
                // Files.
                "FILE_NOT_FOUND", "FILE_ACCESS_ERROR", "FILE_UPLOAD_FAILED", "FILE_SEND_FAILED", "FILE_FOLDER_ERROR",
                "FOLDER_ERROR", "UPLOAD_FAILED",
                // Ours.
                BitrixException.INSECURE_ENDPOINT, BitrixException.ENDPOINT_REFUSED, BitrixException.ANSWER_TOO_LARGE,
                BitrixException.MALFORMED_ANSWER, BitrixException.TOO_MANY_PAGES,
                "REAUTH_REQUIRED", "UNINSTALLED", "PORTAL_UNKNOWN", "HANDLER_FAILED", "ABANDONED");

        advice(Advice.TAKEN, "BOT_CODE_ALREADY_TAKEN", "APP_ID_ERROR", "BOT_OWNERSHIP_ERROR");
        advice(Advice.LIMIT, "BOT_LIMIT_EXCEEDED", "MAX_COUNT_ERROR");
        advice(Advice.PERMISSION, "ACCESS_DENIED", "insufficient_scope", "INVALID_CREDENTIALS", "WRONG_AUTH_TYPE",
                "user_access_error", "METHOD_CONFIRM_WAITING", "PAYMENT_REQUIRED", "AUTH_ERROR", "USER_NOT_SUBSCRIBED", "invalid_scope",
                "SCOPE_ERROR", "ERROR_EVENT_NOT_FOUND");
        advice(Advice.CALLBACK, "BOT_INVALID_CALLBACK", "BOT_WEBHOOK_URL_REQUIRED", "EVENT_MESSAGE_ADD_ERROR",
                "EVENT_MESSAGE_UPDATE_ERROR", "EVENT_MESSAGE_DELETE_ERROR", "EVENT_WELCOME_MESSAGE_ERROR",
                "EVENT_BOT_DELETE_ERROR", "EVENT_COMMAND_ADD_ERROR", "INVALID_REQUEST", "ERROR_WRONG_HANDLER_URL",
                "ERROR_UNSUPPORTED_PROTOCOL");
        advice(Advice.SETTINGS, "BOT_CODE_REQUIRED", "BOT_PROPERTIES_REQUIRED", "BOT_INVALID_TYPE",
                "BOT_INVALID_EVENT_MODE", "BOT_AVATAR_INCORRECT_TYPE", "BOT_AVATAR_INCORRECT_SIZE", "BOT_REGISTER_FAILED",
                "BOT_UPDATE_FAILED", "BOT_TOKEN_NOT_SPECIFIED", "CODE_ERROR", "NAME_ERROR", "WRONG_REQUEST",
                "ERROR_BATCH_METHOD_NOT_ALLOWED", "ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_MANIFEST_IS_NOT_AVAILABLE",
                "FETCH_NOT_SUPPORTED", "LANG_ERROR", "COMMAND_ERROR", "COMMAND_REQUIRED", "COMMAND_TITLE_REQUIRED",
                "COMMAND_TITLE_INVALID", "COMMAND_NAME_INVALID", "COMMAND_NAME_EMPTY", "COMMAND_ALREADY_EXISTS",
                "COMMAND_REGISTER_FAILED");
        advice(Advice.MESSAGE, "MESSAGE_EMPTY", "EMPTY_MESSAGE", "ATTACH_ERROR", "ATTACH_OVERSIZE", "KEYBOARD_ERROR",
                "KEYBOARD_OVERSIZE", "MENU_ERROR", "MENU_OVERSIZE", "PARAM_ATTACH_ERROR", "PARAM_KEYBOARD_ERROR",
                "PARAM_MENU_ERROR", "CANT_EDIT_MESSAGE", "MESSAGE_ID_EMPTY", "MESSAGE_ACCESS_DENIED", "DIALOG_ID_EMPTY",
                "MESSAGE_ID_ERROR", "SENDING_FAILED", "COMMAND_ANSWER_FAILED");
        advice(Advice.SLOW_DOWN, "QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", BitrixException.RATE_LIMITED);
        advice(Advice.UNAVAILABLE, "INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER", BitrixException.NETWORK_ERROR,
                BitrixException.TIMEOUT, "OAUTH_UNAVAILABLE", BitrixException.PORTAL_MOVED, BitrixException.ANSWER_MEMORY_BUSY,
                "BOT_TOKEN_ROTATION_FAILED", "BOT_UNREGISTER_FAILED");
        advice(Advice.ACCESS, "REAUTH_REQUIRED", "UNINSTALLED", "PORTAL_UNKNOWN", "expired_token", "invalid_token",
                "NO_AUTH_FOUND", "invalid_grant", "PORTAL_DELETED");
        advice(Advice.BLOCKED, "OVERLOAD_LIMIT");
        advice(Advice.NOT_FOUND, "BOT_NOT_FOUND", "BOT_ID_ERROR", "BOT_ID_REQUIRED", "PARAMS_REQUIRED", "COMMAND_NOT_FOUND",
                "COMMAND_ID_ERROR");
        advice(Advice.HANDLER, "HANDLER_FAILED");
        advice(Advice.ABANDONED, "ABANDONED");
    }

    private static void advice(Advice advice, String... codes) {
        for (String code : codes) {
            if (ADVICE.put(code, advice) != null) {
                throw new IllegalStateException(code + " has two pieces of advice");
            }
        }
    }

    /** What an administrator can do about {@code code}; {@link Advice#OTHER} for codes without advice. */
    public static Advice advice(String code) {
        if (code != null && code.startsWith("HTTP_5")) {
            return Advice.UNAVAILABLE;
        }
        return ADVICE.getOrDefault(code, Advice.OTHER);
    }

    /** Every code with its own advice (for tests and documentation). */
    public static Map<String, Advice> advised() {
        return Map.copyOf(ADVICE);
    }

    private BitrixErrorCodes() {
    }

    private static void transientCodes(String... codes) {
        for (String code : codes) {
            TRANSIENT.put(code, true);
        }
    }

    private static void permanentCodes(String... codes) {
        for (String code : codes) {
            TRANSIENT.put(code, false);
        }
    }

    /** True for a code in the catalogue, or one of ours for an HTTP status without a code. */
    public static boolean isKnown(String code) {
        return code != null && (TRANSIENT.containsKey(code) || HTTP_STATUS.matcher(code).matches());
    }

    /** The code itself when known, else {@value #OTHER}: safe as a metric tag. */
    public static String tag(String code) {
        return isKnown(code) || NONE.equals(code) ? code : OTHER;
    }

    /**
     * Whether an error answer may succeed later: a catalogued code says so itself; any other code
     * is transient only when the portal answered 5xx (its server in trouble).
     */
    public static boolean isTransient(String code, int httpStatus) {
        if (httpStatus == 429) {
            // "Too many requests" passes with time, whichever code names it (imbot.v2 limits page).
            return true;
        }
        Boolean known = TRANSIENT.get(code);
        return known != null ? known : httpStatus >= 500;
    }

    /** Every catalogued code (for tests and documentation). */
    public static Set<String> all() {
        return Set.copyOf(TRANSIENT.keySet());
    }
}
