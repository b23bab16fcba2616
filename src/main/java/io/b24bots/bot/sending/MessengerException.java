package io.b24bots.bot.sending;

/** A message that cannot be queued, and why; nothing was stored. */
public class MessengerException extends RuntimeException {

    /** Why a message was not queued. */
    public enum Reason {
        /** No portal with this member_id ever installed the app. */
        UNKNOWN_PORTAL,
        /** The portal uninstalled the app or waits for re-authorisation. */
        PORTAL_NOT_ACTIVE,
        /** No bot with this code is declared. */
        UNKNOWN_BOT,
        /** The bot is declared but not registered in this portal (yet, or any more). */
        BOT_NOT_REGISTERED,
        /** The portal has as much waiting as it may. */
        PORTAL_BUSY
    }

    private final Reason reason;

    public MessengerException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
