package io.b24bots.bot.messaging;

import java.util.LinkedHashSet;
import java.util.Set;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.handler.BotChat;
import io.b24bots.bot.handler.BotMessageHandler;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.registration.BotRegistered;
import io.b24bots.bot.settings.PortalBotSettings;
import io.b24bots.install.PortalUninstalled;
import io.b24bots.jobs.LeaseLostException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;
import org.jboss.logging.Logger;

/**
 * The portal's install and uninstall, told to the bots' handlers. A failing hook is logged (and, for
 * an install, kept on the bot row); it never undoes the registration or the uninstall.
 */
@ApplicationScoped
public class BotHooks {

    private static final Logger LOG = Logger.getLogger(BotHooks.class);

    private final Instance<BotMessageHandler> handlers;
    private final BotCatalog catalog;
    private final Imbot imbot;
    private final BitrixClient bitrix;
    private final BotRepository registry;
    private final PortalBotSettings settings;

    BotHooks(@Any Instance<BotMessageHandler> handlers, BotCatalog catalog, Imbot imbot, BitrixClient bitrix,
            BotRepository registry, PortalBotSettings settings) {
        this.settings = settings;
        this.handlers = handlers;
        this.catalog = catalog;
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.registry = registry;
    }

    void registered(@Observes BotRegistered event) {
        BotDefinition bot = event.bot();
        String memberId = event.job().memberId();
        BotChat chat = new PortalBotChat(imbot.of(bot.api()), bitrix, memberId, event.botId(), event.job()::confirmLease,
                () -> settings.of(memberId, bot));
        try {
            handlers.select(NamedLiteral.of(bot.handler())).get().onPortalInstalled(memberId, chat);
        } catch (LeaseLostException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("Install hook of bot %s in portal %s failed: %s", bot.code(), memberId, e.getClass().getSimpleName());
            registry.handlerFailed(memberId, event.botId(), HookRunner.HANDLER_FAILED,
                    "install (" + bot.handler() + "): " + e.getClass().getSimpleName());
        }
    }

    /** After the uninstall committed; each handler once, whatever number of bots it serves. */
    void uninstalled(@Observes(during = TransactionPhase.AFTER_SUCCESS) PortalUninstalled event) {
        Set<String> names = new LinkedHashSet<>();
        catalog.all().forEach(bot -> names.add(bot.handler()));
        for (String name : names) {
            try {
                handlers.select(NamedLiteral.of(name)).get().onPortalUninstalled(event.memberId());
            } catch (RuntimeException e) {
                LOG.warnf("Uninstall hook %s for portal %s failed: %s", name, event.memberId(), e.getClass().getSimpleName());
            }
        }
    }
}
