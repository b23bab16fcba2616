package io.b24bots.bot.sending;

import java.time.Instant;
import java.util.UUID;

/**
 * What became of a message a bot sends on its own: {@code messageId} is Bitrix24's id once it is
 * {@link MessageState#SENT}, the error once it {@link MessageState#FAILED}.
 */
public record Receipt(UUID id, String memberId, String botCode, String dialogId, MessageState state, Long messageId,
        String errorCode, String errorText, Instant createdAt, Instant updatedAt) {
}
