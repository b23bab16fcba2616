package io.b24bots.bot;

/** What the message path needs of a bot row: its id in Bitrix24 (null until registered), code and status. */
public record BotIdentity(Long botId, String code, BotStatus status) {
}
