package io.b24bots.bot;

/**
 * A fetch-mode bot this replica may poll now: its row, portal, Bitrix24 id, the offset to read from,
 * and how many polls in a row have found nothing (stored with the bot, so every replica and a restart
 * continue its pace).
 */
public record FetchLease(long rowId, String memberId, long botId, Long offset, int quietPolls) {
}
