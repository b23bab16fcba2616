package io.b24bots.bot.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.b24bots.bot.BotIdentity;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.registration.BotRegistered;
import io.b24bots.install.PortalUninstalled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Which bots of a portal are this app's, as the event path asks for every event: read from the bot
 * table and believed for {@link #MEMORY}, so a busy portal's events do not each read its rows. Only
 * what it knows is trusted: a bot id it does not know as registered is looked up again at once (a
 * bot registered by another replica a moment ago is not missed), and this replica's own changes
 * (a registration, a deletion, an uninstall) drop the portal's entry.
 */
@ApplicationScoped
public class BotDirectory {

    static final Duration MEMORY = Duration.ofSeconds(10);
    private static final int LIMIT = 100_000;

    private record Known(List<BotIdentity> bots, long untilNanos) {
    }

    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    private final BotRepository registry;

    BotDirectory(BotRepository registry) {
        this.registry = registry;
    }

    /** The portal's registered bot with this Bitrix24 id. */
    Optional<BotIdentity> registered(String memberId, long botId) {
        Optional<BotIdentity> bot = find(bots(memberId, false), botId).filter(b -> b.status() == BotStatus.REGISTERED);
        return bot.isPresent() ? bot : find(bots(memberId, true), botId).filter(b -> b.status() == BotStatus.REGISTERED);
    }

    /** Whether the id is one of the portal's bots, registered or not (a bot never answers a bot). */
    boolean isOurs(String memberId, long userId) {
        return find(bots(memberId, false), userId).isPresent();
    }

    void forget(String memberId) {
        known.remove(memberId);
    }

    void registered(@Observes BotRegistered event) {
        forget(event.job().memberId());
    }

    void uninstalled(@Observes PortalUninstalled event) {
        forget(event.memberId());
    }

    private List<BotIdentity> bots(String memberId, boolean fresh) {
        long now = System.nanoTime();
        Known entry = known.get(memberId);
        if (!fresh && entry != null && entry.untilNanos() - now > 0) {
            return entry.bots();
        }
        List<BotIdentity> bots = registry.identities(memberId);
        if (known.size() >= LIMIT) {
            known.clear();
        }
        known.put(memberId, new Known(bots, now + MEMORY.toNanos()));
        return bots;
    }

    private static Optional<BotIdentity> find(List<BotIdentity> bots, long botId) {
        return bots.stream().filter(b -> b.botId() != null && b.botId() == botId).findFirst();
    }
}
