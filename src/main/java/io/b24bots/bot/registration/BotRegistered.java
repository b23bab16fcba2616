package io.b24bots.bot.registration;

import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.jobs.QueuedJob;

/**
 * Fired when a bot was newly registered in a portal (an install), from the registration job, so
 * the bot's handler can greet the portal; {@code job} guards its writes like any other.
 */
public record BotRegistered(QueuedJob job, BotDefinition bot, long botId) {
}
