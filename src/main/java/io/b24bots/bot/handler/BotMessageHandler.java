package io.b24bots.bot.handler;

import java.util.Optional;

/**
 * The code of a bot. Implement it as a CDI bean with {@code @Named("my-handler")} and set
 * {@code b24.bots.<id>.handler=my-handler}; override only the hooks you need. Every hook runs from
 * the durable job queue after Bitrix24 already got its answer, the same way for v1, v2 webhook and
 * v2 fetch bots, and may take its time (a "typing…" indicator is shown after a few seconds).
 *
 * <p><b>Hooks must be idempotent.</b> A hook that throws is run again with back-off, a bounded
 * number of times, and a replica that dies mid-hook leaves the event to another one: in both
 * cases the hook runs again for the same event, after it may already have sent part of its
 * answer. Check before you act where it matters (e.g. by the incoming message id).
 */
public interface BotMessageHandler {

    /**
     * The simple form: a text answer to a message, or empty to stay silent. Used by the default
     * {@link #onMessage}; handlers that override {@code onMessage} need not implement it.
     */
    default Optional<String> reply(IncomingMessage message) {
        return Optional.empty();
    }

    /**
     * A message to the bot: in a personal chat always; in a group chat when the bot is addressed,
     * or every message when its declaration says {@code group-messages=all}. Never a bot's message.
     */
    default void onMessage(IncomingMessage message, BotChat chat) {
        reply(message).filter(text -> !text.isBlank()).ifPresent(chat::post);
    }

    /** A declared slash command (typed or a keyboard button); {@code chat.post} answers it. */
    default void onCommand(IncomingCommand command, BotChat chat) {
    }

    /**
     * The bot joined a chat; by default it sends its declared welcome in the chat's language
     * ({@code welcome.<lang>}, else {@code welcome-message}), if any.
     */
    default void onJoin(ChatEvent.Joined event, BotChat chat) {
        String welcome = event.bot().welcomeFor(event.language());
        if (welcome != null) {
            chat.post(welcome);
        }
    }

    default void onMessageUpdated(ChatEvent.MessageUpdated event, BotChat chat) {
    }

    default void onMessageDeleted(ChatEvent.MessageDeleted event, BotChat chat) {
    }

    /** v2 bots with {@code is-reactions-enabled}: a reaction was added to or removed from a message. */
    default void onReaction(ChatEvent.ReactionChanged event, BotChat chat) {
    }

    /**
     * v2 bots: a user opened a chat with the bot through a link that carries a context
     * ({@code ?IM_DIALOG=<bot>&BOT_CONTEXT=<json>}, Bitrix24's "Passing Context to the Bot"); the JSON is
     * {@link ChatEvent.ContextOpened#context()}, and the chat answers into the dialog it was opened in.
     */
    default void onContext(ChatEvent.ContextOpened event, BotChat chat) {
    }

    /** The bot was deleted in Bitrix24 (proven: Bitrix24 no longer knows it). Nothing can be sent any more. */
    default void onBotDeleted(ChatEvent.BotDeleted event) {
    }

    /** The bot was registered in a portal that installed the app (once per registration). */
    default void onPortalInstalled(String memberId, BotChat portal) {
    }

    /** The app was removed from the portal (confirmed); its tokens are gone, so nothing can be called. */
    default void onPortalUninstalled(String memberId) {
    }
}
