package io.b24bots.admin;

/** One row of the admin page's bot table, with every text already in the page's language. */
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
        boolean canRetry,
        boolean canUnregister) {
}
