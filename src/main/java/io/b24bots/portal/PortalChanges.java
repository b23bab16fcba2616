package io.b24bots.portal;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.event.Event;
import jakarta.inject.Singleton;

/**
 * When a replica may keep believing what it read of a portal. The database announces every change
 * to what the event path keeps in memory (a portal's application token and status, its access
 * token, its bots) on {@link #CHANNEL} when the change commits, whoever made it (V9's triggers);
 * the replica's listener passes each announcement here, and {@link PortalChanged} makes every
 * memory drop that portal. So a copy can be kept for minutes and is still never older than the
 * last commit this replica heard of.
 *
 * <p>Two gaps are closed here. A read that overlaps a change may see the old row and be kept after
 * the announcement was handled: a memory takes a {@link #stamp()} before it reads and keeps the
 * result only if {@link #unchanged} says no announcement came meanwhile. And while the listener is
 * disconnected announcements are lost: then nothing is kept, and every memory is emptied when it
 * is connected again.
 */
@Singleton
public class PortalChanges {

    /** The channel V9's triggers notify, with the portal's member_id as payload. */
    public static final String CHANNEL = "b24bots_portal";

    /** A stamp that {@link #unchanged} never accepts. */
    private static final long NOT_LISTENING = -1;

    private final AtomicLong generation = new AtomicLong();
    private final Event<PortalChanged> changed;
    private final Counter heard;
    private volatile boolean listening;

    PortalChanges(Event<PortalChanged> changed, MeterRegistry meters) {
        this.changed = changed;
        this.heard = Counter.builder("b24.portal.changes")
                .description("Portal changes announced by the database (any replica's), each making this replica forget its copy")
                .register(meters);
    }

    /** Taken before reading what is to be kept. */
    public long stamp() {
        return listening ? generation.get() : NOT_LISTENING;
    }

    /** Whether what was read after {@code stamp} may be kept: no change was announced since, and none could be missed. */
    public boolean unchanged(long stamp) {
        return stamp != NOT_LISTENING && listening && generation.get() == stamp;
    }

    /** A change to the portal was committed. */
    public void heard(String memberId) {
        generation.incrementAndGet();
        heard.increment();
        changed.fire(new PortalChanged(memberId));
    }

    /** The listener (re)connected and listens, or lost its connection: either way what was kept may be stale. */
    public void listening(boolean now) {
        listening = now;
        generation.incrementAndGet();
        changed.fire(new PortalChanged(null));
    }
}
