package io.b24bots.bot;

/** A fetch-mode bot this replica may poll now: its row, portal, Bitrix24 id and the offset to read from. */
public record FetchLease(long rowId, String memberId, long botId, Long offset) {
}
