package io.b24bots.bot.messaging;

import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.bot.handler.BotMessageHandler;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;

/**
 * Every handler a bot declaration names is a {@link BotMessageHandler} bean: checked at start, so a
 * misspelt name stops the service with the property to fix instead of failing each event.
 */
@Startup
@ApplicationScoped
class HandlerBeans {

    HandlerBeans(BotCatalog catalog, @Any Instance<BotMessageHandler> handlers) {
        for (BotDefinition bot : catalog.all()) {
            if (handlers.select(NamedLiteral.of(bot.handler())).isUnsatisfied()) {
                throw BotCatalog.invalid(bot.configId(), "handler", "no BotMessageHandler bean is named '" + bot.handler() + "'");
            }
            for (CommandDefinition command : bot.commands()) {
                if (handlers.select(NamedLiteral.of(command.handler())).isUnsatisfied()) {
                    throw BotCatalog.invalid(bot.configId(), "commands." + command.command() + ".handler",
                            "no BotMessageHandler bean is named '" + command.handler() + "'");
                }
            }
        }
    }
}
