package io.b24bots.bot.messaging;



import java.util.Optional;

/**
 * What a bot answers to a message. Implement it as a CDI bean with {@code @Named("my-handler")}
 * and set {@code b24.bots.<id>.handler=my-handler}. Called from the job queue, after Bitrix24
 * already got its answer, so it may take its time; it never sees messages from bots.
 */
public interface BotMessageHandler {

    /** The reply to send, or empty to stay silent. */
    Optional<String> reply(IncomingMessage message);
}
