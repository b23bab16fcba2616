package io.b24bots.oauth;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.b24bots.portal.PortalStore;
import io.b24bots.portal.RefreshState;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Who may refresh a portal's tokens: one caller per portal in this replica (a lock stripe), and one
 * replica at a time (a lease on the token row, long enough for a grant to answer). A caller that
 * finds another replica's lease waits for its pair instead of spending the refresh token twice.
 */
@ApplicationScoped
class RefreshLeases {

    private static final Logger LOG = Logger.getLogger(RefreshLeases.class);
    /** How often a caller waiting for another replica's refresh re-reads the token row. */
    static final Duration WAIT_POLL = Duration.ofMillis(100);
    private static final String PROCESS = ManagementFactory.getRuntimeMXBean().getName();

    private final ReentrantLock[] stripes = new ReentrantLock[256];
    private final AtomicLong owners = new AtomicLong();
    private final PortalStore store;
    private final Duration lease;

    RefreshLeases(PortalStore store,
            @ConfigProperty(name = "quarkus.rest-client.b24-oauth-token.read-timeout", defaultValue = "60000")
            long grantReadTimeoutMillis,
            @ConfigProperty(name = "quarkus.rest-client.b24-oauth-token.connect-timeout", defaultValue = "5000")
            long grantConnectTimeoutMillis) {
        this.store = store;
        Duration grant = Duration.ofMillis(grantReadTimeoutMillis + grantConnectTimeoutMillis);
        Duration least = Duration.ofSeconds(90);
        this.lease = grant.plusSeconds(25).compareTo(least) > 0 ? grant.plusSeconds(25) : least;
        Arrays.setAll(stripes, i -> new ReentrantLock());
    }

    /** How long a refresh lease lasts: longer than any grant can take to answer. */
    Duration length() {
        return lease;
    }

    /** This replica's lock for the portal's refreshes. */
    ReentrantLock lock(String memberId) {
        return stripes[Math.floorMod(memberId.hashCode(), stripes.length)];
    }

    /** A name for one refresh, unique across replicas: the lease's owner. */
    String newOwner() {
        return PROCESS + "/" + owners.incrementAndGet();
    }

    /**
     * Another replica holds the lease: re-read the row in short transactions until its pair is
     * stored, the lease is released or expires (its holder died), or the row is gone.
     */
    void awaitOther(String memberId, long version) {
        long giveUpAt = System.nanoTime() + lease.toNanos() + WAIT_POLL.toNanos();
        while (System.nanoTime() < giveUpAt) {
            pause(WAIT_POLL);
            RefreshState state = store.refreshState(memberId).orElse(null);
            if (state == null || state.version() != version || !state.leased()) {
                return;
            }
        }
    }

    void releaseQuietly(String memberId, String owner) {
        try {
            QuarkusTransaction.requiringNew().run(() -> store.releaseLease(memberId, owner));
        } catch (RuntimeException e) {
            // The lease expires by itself; until then other callers wait for it.
            LOG.warnf("Could not release the refresh lease of portal %s (%s)", memberId, OAuthClient.rootMessage(e));
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OAuthUnavailableException("interrupted while refreshing tokens");
        }
    }
}
