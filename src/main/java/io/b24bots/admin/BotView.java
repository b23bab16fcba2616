package io.b24bots.admin;

/**
 * One row of the admin page's bot table, with every text already in the page's language; {@code turnedOff}
 * says who turned the bot off and when, null while it is on.
 */
public record BotView(
        long rowId,
        String name,
        String code,
        String api,
        String type,
        String eventMode,
        Long botId,
        String status,
        String statusLabel,
        String errorCode,
        String explanation,
        int attempts,
        String changed,
        String turnedOff,
        boolean canRetry,
        String retryLabel,
        boolean canUnregister) {
}
