package io.b24bots.bot.messaging;

/** Remembers the messages already taken in ({@link MessageIdentity}), across delivery paths and replicas. */
public interface MessageDedup {

    /**
     * Marks the message seen in the caller's transaction; false when it was seen already (within the
     * dedup window), and it must then not be queued again.
     */
    boolean firstDelivery(String memberId, String identity);
}
