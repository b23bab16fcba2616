package io.b24bots.bot.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.b24bots.bot.BotIdentity;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.registration.BotRegistered;
import io.b24bots.install.PortalUninstalled;
import io.b24bots.portal.PortalChanged;
import io.b24bots.portal.PortalChanges;
import io.b24bots.support.Memories;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Which bots of a portal are this app's, as the event path asks for every event: read from the bot
 * table and kept, so a busy portal's events do not each read its rows. A change to a portal's bots
 * (registered, deleted, retired, the portal uninstalled), made on any replica, drops the portal's
 * entry when the database announces it ({@link PortalChanged}); this replica's own changes drop it
 * at once. A bot id it does not know as registered is looked up again at once all the same, and
 * nothing is kept longer than {@link #MEMORY}.
 */
@Singleton
public class BotDirectory {

    static final Duration MEMORY = Duration.ofMinutes(10);
    private static final int LIMIT = 100_000;

    private record Known(List<BotIdentity> bots, long untilNanos) {
    }

    private final Map<String, Known> known = Memories.bounded(LIMIT, MEMORY);
    private final BotRepository registry;
    private final PortalChanges changes;

    BotDirectory(BotRepository registry, PortalChanges changes) {
        this.registry = registry;
        this.changes = changes;
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

    void changed(@Observes PortalChanged changed) {
        changed.forgetIn(known);
    }

    private List<BotIdentity> bots(String memberId, boolean fresh) {
        long now = System.nanoTime();
        Known entry = known.get(memberId);
        if (!fresh && entry != null && entry.untilNanos() - now > 0) {
            return entry.bots();
        }
        long stamp = changes.stamp();
        List<BotIdentity> bots = registry.identities(memberId);
        if (!changes.unchanged(stamp)) {
            return bots;
        }
        Known kept = new Known(bots, now + MEMORY.toNanos());
        known.put(memberId, kept);
        if (!changes.unchanged(stamp)) {
            // A change was announced between the check and the put: its forgetting may have come first.
            known.remove(memberId, kept);
        }
        return bots;
    }

    private static Optional<BotIdentity> find(List<BotIdentity> bots, long botId) {
        for (BotIdentity bot : bots) {
            if (bot.botId() != null && bot.botId() == botId) {
                return Optional.of(bot);
            }
        }
        return Optional.empty();
    }
}
