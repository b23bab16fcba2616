package io.b24bots.bot.handler;

/**
 * The bot's settings in this portal: what the portal's administrator set on the admin page, else
 * the declared default ({@code b24.bots.<id>.settings.<key>.default}). Asking for a key the bot does
 * not declare is a programming error ({@link IllegalArgumentException}).
 */
public interface BotSettings {

    /** The setting as text (any type). */
    String text(String key);

    /** A {@code number} setting. */
    long number(String key);

    /** A {@code flag} setting. */
    boolean flag(String key);
}
