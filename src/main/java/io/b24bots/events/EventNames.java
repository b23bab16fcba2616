package io.b24bots.events;

import java.util.Set;

/** The events this service acts on; anything else is ignored before any work is queued. */
public final class EventNames {

    public static final Set<String> LIFECYCLE = Set.of("ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL");

    /**
     * v1 bot events (imbot.register's EVENT_* handlers, and the command event) and v2 webhook events. Not
     * v1's ONIMBOTCONTEXTGET: no v1 page documents it and the service does not subscribe to it, so it is
     * ignored before any proof is paid for; v2's ONIMBOTV2CONTEXTGET reaches the handler's onContext.
     */
    public static final Set<String> BOT = Set.of(
            "ONIMBOTMESSAGEADD", "ONIMBOTMESSAGEUPDATE", "ONIMBOTMESSAGEDELETE", "ONIMBOTJOINCHAT", "ONIMBOTDELETE",
            "ONIMCOMMANDADD",
            "ONIMBOTV2MESSAGEADD", "ONIMBOTV2MESSAGEUPDATE", "ONIMBOTV2MESSAGEDELETE", "ONIMBOTV2JOINCHAT",
            "ONIMBOTV2DELETE", "ONIMBOTV2REACTIONCHANGE", "ONIMBOTV2COMMANDADD", "ONIMBOTV2CONTEXTGET");

    private EventNames() {
    }

    public static boolean known(String event) {
        return LIFECYCLE.contains(event) || BOT.contains(event);
    }

    public static boolean isBotEvent(String event) {
        return BOT.contains(event);
    }

    static boolean isV2BotEvent(String event) {
        return event.startsWith("ONIMBOTV2");
    }

    static boolean isBotDeletion(String event) {
        return "ONIMBOTDELETE".equals(event) || "ONIMBOTV2DELETE".equals(event);
    }
}
