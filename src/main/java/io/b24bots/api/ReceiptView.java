package io.b24bots.api;

import java.time.Instant;
import java.util.UUID;

import io.b24bots.bot.sending.Receipt;

/** A receipt as the API shows it; {@code messageId} once sent, {@code error} once given up. */
public record ReceiptView(UUID id, String portal, String bot, String dialogId, String state, Long messageId, String error,
        String errorDescription, Instant createdAt, Instant updatedAt) {

    static ReceiptView of(Receipt receipt) {
        return new ReceiptView(receipt.id(), receipt.memberId(), receipt.botCode(), receipt.dialogId(),
                receipt.state().columnValue(), receipt.messageId(), receipt.errorCode(), receipt.errorText(), receipt.createdAt(),
                receipt.updatedAt());
    }
}
