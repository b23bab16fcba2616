package io.b24bots.bot.messaging;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.handler.ChatEvent;
import io.b24bots.bot.handler.IncomingCommand;
import io.b24bots.bot.handler.IncomingMessage;

/**
 * A queued bot event, read once ({@link V1Events}, {@link V2Events}) into what the dispatcher acts on,
 * one per bot of ours it concerns: events of bots that are not ours, and messages a bot or the
 * system wrote, are left out by the reading.
 */
sealed interface BotEvent {

    /** A new message; the group-chat rule and the typed-command rule are the dispatcher's. */
    record Message(IncomingMessage message) implements BotEvent {
    }

    /** A slash command, answered by the command's handler. */
    record Command(IncomingCommand command) implements BotEvent {
    }

    /** Anything else a handler hears of. */
    record Chat(ChatEvent event) implements BotEvent {
    }

    /** A bot deleted in Bitrix24, as the event claims: believed only once Bitrix24 no longer knows the bot. */
    record Deletion(long botId, JsonNode raw) implements BotEvent {
    }

    /** What the readers need to know of the portal's bots. */
    interface PortalBots {

        /** The declaration of the portal's registered bot with this Bitrix24 id, if it is ours. */
        Optional<BotDefinition> ours(long botId);

        /** Whether a user id is one of the portal's bots (a bot never answers a bot). */
        boolean isOurBot(long userId);
    }
}
