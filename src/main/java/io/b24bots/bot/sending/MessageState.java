package io.b24bots.bot.sending;

import io.b24bots.support.ColumnValue;

/** Where a message a bot sends on its own stands. */
public enum MessageState implements ColumnValue {
    /** Waiting in the queue, or being retried after a failure that may pass. */
    QUEUED("queued"),
    /** Bitrix24 took it; the receipt holds its message id. */
    SENT("sent"),
    /** Given up: the receipt holds the error (a TIMEOUT may still have been delivered). */
    FAILED("failed");

    private final String value;

    MessageState(String value) {
        this.value = value;
    }

    @Override
    public String columnValue() {
        return value;
    }

    public static MessageState of(String value) {
        return ColumnValue.find(MessageState.class, value);
    }
}
