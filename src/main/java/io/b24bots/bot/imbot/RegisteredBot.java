package io.b24bots.bot.imbot;

/** What Bitrix24 answered to a registration: the bot's id and, for v2, its {@code bot} object (JSON). */
public record RegisteredBot(long botId, String botObject) {
}
