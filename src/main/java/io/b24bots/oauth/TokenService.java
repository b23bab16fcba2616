package io.b24bots.oauth;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.b24bots.config.B24Config;
import io.b24bots.outbound.OutboundAddresses;
import io.b24bots.portal.PortalChanged;
import io.b24bots.portal.PortalChanges;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.RefreshState;
import io.b24bots.portal.StoredTokens;
import io.b24bots.support.Memories;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The one place a portal's access token comes from. A token known to be expired, or one a call
 * reported as expired, is refreshed once: a per-portal lock in this process queues local callers,
 * and a refresh lease on the token row (taken in a short transaction that re-checks the row)
 * makes other replicas wait for the holder's result. No connection or row lock is held during
 * the call to the OAuth server, and a sent grant is always waited for and its pair stored, since
 * the single-use refresh token it consumed cannot be sent again. A usable access token is
 * remembered for a few seconds, so a busy portal's calls do not each read and decrypt its row.
 */
@ApplicationScoped
public class TokenService {

    private static final Logger LOG = Logger.getLogger(TokenService.class);

    /** Refresh slightly before the stated expiry so a token does not lapse in flight. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);

    /** How often a caller waiting for another replica's refresh re-reads the token row. */
    static final Duration WAIT_POLL = Duration.ofMillis(100);

    /** Longest pause between attempts to store a refreshed pair while the database fails. */
    private static final Duration MAX_STORE_BACKOFF = Duration.ofSeconds(2);

    private static final String PROCESS = ManagementFactory.getRuntimeMXBean().getName();
    private static final String INVALID_GRANT = "invalid_grant";
    private static final String INVALID_CLIENT = "invalid_client";

    /*
     * How long an access token read here is used without reading the row again
     * (b24.rest.token-memory). What this replica changes itself (a refresh) replaces the entry at
     * once; any other change drops it ({@link PortalChanged}): at once for an install, uninstall or
     * reauth_required made here, when the database announces it for a change made anywhere else
     * (another replica's rotation or uninstall), and a token read while a change may have been missed is
     * not kept at all ({@link PortalChanges}). Should Bitrix24 still reject a remembered token, it
     * is dropped and the row re-read ({@link #refreshRejected}), one retry. A remembered token is
     * also never used within {@link #EXPIRY_MARGIN} of its own expiry.
     */
    private static final int ACCESS_MEMORY_LIMIT = 100_000;

    /** An access token as this replica last read or stored it, believed until {@code untilNanos}. */
    private record Remembered(PortalAccess access, Instant expiresAt, long version, long untilNanos) {
        boolean usable(long now) {
            return untilNanos - now > 0 && expiresAt.isAfter(Instant.now().plus(EXPIRY_MARGIN));
        }
    }

    private final Map<String, Remembered> remembered;

    private final ReentrantLock[] stripes = new ReentrantLock[256];
    private final AtomicLong refreshIds = new AtomicLong();
    private final PortalStore store;
    private final PortalChanges changes;
    private final OAuthClient oauth;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final MeterRegistry meters;
    /** Outlasts the longest grant (connect plus read timeout) with room to store its answer. */
    final Duration lease;

    TokenService(PortalStore store, PortalChanges changes, OAuthClient oauth, TrustedOAuthServers servers, B24Config config,
            MeterRegistry meters,
            @ConfigProperty(name = "quarkus.rest-client.b24-oauth-token.read-timeout", defaultValue = "60000")
            long grantReadTimeoutMillis,
            @ConfigProperty(name = "quarkus.rest-client.b24-oauth-token.connect-timeout", defaultValue = "5000")
            long grantConnectTimeoutMillis) {
        this.store = store;
        this.changes = changes;
        this.oauth = oauth;
        this.servers = servers;
        this.config = config;
        this.remembered = Memories.bounded(ACCESS_MEMORY_LIMIT, config.rest().tokenMemory());
        this.meters = meters;
        Duration grant = Duration.ofMillis(grantReadTimeoutMillis + grantConnectTimeoutMillis);
        this.lease = max(Duration.ofSeconds(90), grant.plusSeconds(25));
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** A usable token for the portal, refreshed first when it is known to be expired. */
    public PortalAccess access(String memberId) {
        Remembered known = remembered.get(memberId);
        if (known != null && known.usable(System.nanoTime())) {
            return known.access();
        }
        long stamp = changes.stamp();
        StoredTokens tokens = store.tokens(memberId).orElseThrow(() -> unavailable(memberId));
        requireActive(tokens);
        if (!tokens.expiresWithin(EXPIRY_MARGIN)) {
            return remember(tokens, stamp);
        }
        return refresh(memberId, stored -> stored.expiresWithin(EXPIRY_MARGIN));
    }

    /**
     * Bitrix24 answered {@code expired_token}/{@code invalid_token} for {@code rejectedToken}: refresh,
     * unless another caller already replaced that token.
     */
    public PortalAccess refreshRejected(String memberId, String rejectedToken) {
        remembered.computeIfPresent(memberId, (member, known) ->
                known.access().accessToken().equals(rejectedToken) ? null : known);
        return refresh(memberId, stored -> stored.accessToken().equals(rejectedToken)
                || stored.expiresWithin(EXPIRY_MARGIN));
    }

    private PortalAccess refresh(String memberId, Predicate<StoredTokens> needed) {
        ReentrantLock lock = stripes[Math.floorMod(memberId.hashCode(), stripes.length)];
        lock.lock();
        try {
            while (true) {
                String owner = PROCESS + "/" + refreshIds.incrementAndGet();
                long leasedAt = System.nanoTime();
                long stamp = changes.stamp();
                Step step = QuarkusTransaction.requiringNew().call(() -> begin(memberId, needed, owner, stamp));
                if (step.access() != null) {
                    return step.access();
                }
                if (step.failure() != null) {
                    throw step.failure();
                }
                if (step.leased() != null) {
                    PortalAccess access = refreshLeased(step.leased(), owner, leasedAt + lease.toNanos());
                    if (access != null) {
                        return access;
                    }
                } else {
                    awaitOtherRefresh(memberId, step.busyVersion());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decides under a short row lock: nothing to do, a failure (committed with any status change),
     * another refresh in progress, or the lease is ours and the caller refreshes.
     */
    private Step begin(String memberId, Predicate<StoredTokens> needed, String owner, long stamp) {
        StoredTokens tokens = store.lockTokens(memberId).orElse(null);
        if (tokens == null) {
            return Step.failed(unavailable(memberId));
        }
        if (tokens.status() != PortalStatus.ACTIVE) {
            return Step.failed(new PortalUnavailableException(memberId, tokens.status()));
        }
        if (!needed.test(tokens)) {
            return Step.done(remember(tokens, stamp));
        }
        if (!servers.isTrusted(tokens.oauthServer())) {
            LOG.warnf("Portal %s was installed through an OAuth server that is no longer trusted; "
                    + "it needs to be authorised again", memberId);
            store.markReauthRequired(memberId);
            return Step.failed(new PortalUnavailableException(memberId, PortalStatus.REAUTH_REQUIRED));
        }
        if (!store.takeRefreshLease(memberId, owner, lease)) {
            return Step.busy(tokens.version());
        }
        return Step.leased(tokens);
    }

    /**
     * Sends the grant with no transaction open and stores its answer. Null when the pair was
     * replaced meanwhile (a reinstall): the caller looks at the row again.
     */
    private PortalAccess refreshLeased(StoredTokens tokens, String owner, long leaseEndsAt) {
        String memberId = tokens.memberId();
        boolean leaseEnded = false;
        try {
            TokenGrant grant;
            try {
                grant = oauth.refresh(tokens.oauthServer(), tokens.refreshToken());
            } catch (OAuthRejectedException e) {
                if (INVALID_CLIENT.equals(e.code())) {
                    throw misconfigured(memberId);
                }
                if (!INVALID_GRANT.equals(e.code())) {
                    meters.counter("b24.token.refreshes", "outcome", "error").increment();
                    throw e;
                }
                meters.counter("b24.token.refreshes", "outcome", "invalid_grant").increment();
                leaseEnded = true;
                if (!QuarkusTransaction.requiringNew().call(() -> refused(tokens, owner))) {
                    return null;
                }
                LOG.warnf("Refresh refused for portal %s (%s); marked reauth_required", memberId, e.code());
                throw new PortalUnavailableException(memberId, PortalStatus.REAUTH_REQUIRED);
            } catch (OAuthUnavailableException e) {
                meters.counter("b24.token.refreshes", "outcome", "error").increment();
                leaseEnded = true;
                markInDoubt(memberId, owner);
                throw e;
            }
            if (grant.memberId() != null && !grant.memberId().equals(memberId)) {
                throw new OAuthRejectedException("wrong_member", "refresh answered for another portal");
            }
            String endpoint = acceptableEndpoint(grant.clientEndpoint()) ? grant.clientEndpoint() : tokens.clientEndpoint();
            leaseEnded = true;
            if (!storeGrant(tokens, owner, grant, endpoint, leaseEndsAt)) {
                return null;
            }
            meters.counter("b24.token.refreshes", "outcome", "ok").increment();
            LOG.debugf("Refreshed tokens of portal %s", memberId);
            return remember(new PortalAccess(memberId, endpoint, grant.accessToken()), grant.expiresAt(),
                    tokens.version() + 1);
        } finally {
            if (!leaseEnded) {
                releaseQuietly(memberId, owner);
            }
        }
    }

    /**
     * The OAuth server refused this app's own credentials: the operator's configuration (client id or
     * secret), not the portal's doing. Nothing about the portal changes; the call fails as transient
     * and the operator is told, every time, in the log and a metric.
     */
    private OAuthUnavailableException misconfigured(String memberId) {
        meters.counter("b24.token.refreshes", "outcome", INVALID_CLIENT).increment();
        LOG.errorf("The OAuth server refused this app's client credentials (invalid_client) while refreshing the tokens "
                + "of portal %s: check b24.client-id and b24.client-secret (B24_CLIENT_ID, B24_CLIENT_SECRET). "
                + "The portal is left as it is.", memberId);
        return new OAuthUnavailableException("the OAuth server refused this app's client credentials (invalid_client)");
    }

    /** A grant's answer never came: the server may have spent the refresh token (see V12). */
    private void markInDoubt(String memberId, String owner) {
        try {
            QuarkusTransaction.requiringNew().run(() -> store.refreshInDoubt(memberId, owner));
        } catch (RuntimeException e) {
            // The lease then runs out unreleased, which marks the token in doubt when it is taken next.
            LOG.warnf("Could not record that the refresh token of portal %s may be spent (%s)", memberId,
                    OAuthClient.rootMessage(e));
        }
    }

    /** The server refused the refresh token: reauth_required, unless a newer pair was stored meanwhile. */
    private boolean refused(StoredTokens tokens, String owner) {
        store.releaseLease(tokens.memberId(), owner);
        StoredTokens now = store.lockTokens(tokens.memberId()).orElse(null);
        if (now == null || now.version() != tokens.version()) {
            return false;
        }
        store.markReauthRequired(tokens.memberId());
        return true;
    }

    /**
     * Commits the rotated pair, retrying while the database fails: the server has consumed the old
     * refresh token, so this pair, kept in memory meanwhile, is the only one that still works.
     * Retries stop before the lease ends, after which another replica may refresh.
     */
    private boolean storeGrant(StoredTokens tokens, String owner, TokenGrant grant, String endpoint, long leaseEndsAt) {
        long giveUpAt = leaseEndsAt - Duration.ofSeconds(5).toNanos();
        Duration backoff = Duration.ofMillis(100);
        for (int attempt = 1;; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> store.saveRefreshed(tokens.memberId(),
                        tokens.version(), owner, grant.accessToken(), grant.refreshToken(), grant.expiresAt(),
                        endpoint, OutboundAddresses.authority(endpoint)));
            } catch (RuntimeException e) {
                if (System.nanoTime() + backoff.toNanos() > giveUpAt) {
                    meters.counter("b24.token.refreshes", "outcome", "not_stored").increment();
                    LOG.errorf("Could not store the refreshed tokens of portal %s after %d attempts (%s); "
                            + "the rotated pair is lost and the portal may need to be authorised again",
                            tokens.memberId(), attempt, OAuthClient.rootMessage(e));
                    throw new OAuthUnavailableException("refreshed tokens could not be stored");
                }
                LOG.warnf("Storing the refreshed tokens of portal %s failed (%s); retrying in %d ms",
                        tokens.memberId(), OAuthClient.rootMessage(e), backoff.toMillis());
                pause(backoff);
                backoff = min(backoff.multipliedBy(2), MAX_STORE_BACKOFF);
            }
        }
    }

    /**
     * Another replica holds the lease: re-read the row in short transactions until its pair is
     * stored, the lease is released or expires (its holder died), or the row is gone.
     */
    private void awaitOtherRefresh(String memberId, long version) {
        long giveUpAt = System.nanoTime() + lease.toNanos() + WAIT_POLL.toNanos();
        while (System.nanoTime() < giveUpAt) {
            pause(WAIT_POLL);
            RefreshState state = store.refreshState(memberId).orElse(null);
            if (state == null || state.version() != version || !state.leased()) {
                return;
            }
        }
    }

    private void releaseQuietly(String memberId, String owner) {
        try {
            QuarkusTransaction.requiringNew().run(() -> store.releaseLease(memberId, owner));
        } catch (RuntimeException e) {
            // The lease expires by itself; until then other callers wait for it.
            LOG.warnf("Could not release the refresh lease of portal %s (%s)", memberId, OAuthClient.rootMessage(e));
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OAuthUnavailableException("interrupted while refreshing tokens");
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private boolean acceptableEndpoint(String endpoint) {
        return OutboundAddresses.acceptable(endpoint, config.allowHttp());
    }

    private static void requireActive(StoredTokens tokens) {
        if (tokens.status() != PortalStatus.ACTIVE) {
            throw new PortalUnavailableException(tokens.memberId(), tokens.status());
        }
    }

    /** Keeps a pair read from the row, unless a change to it may have been announced since {@code stamp}. */
    private PortalAccess remember(StoredTokens tokens, long stamp) {
        PortalAccess access = toAccess(tokens);
        if (changes.unchanged(stamp)) {
            Remembered held = keep(access, tokens.expiresAt(), tokens.version());
            if (!changes.unchanged(stamp)) {
                // A change was announced between the check and the put: its forgetting may have come first.
                remembered.remove(access.memberId(), held);
            }
        }
        return access;
    }

    /** Keeps a pair this replica just stored itself (a refresh it made): the newest there is. */
    private PortalAccess remember(PortalAccess access, Instant expiresAt, long version) {
        keep(access, expiresAt, version);
        return access;
    }

    /** Puts the pair in memory and returns the entry now held for the portal (a newer one wins). */
    private Remembered keep(PortalAccess access, Instant expiresAt, long version) {
        Remembered fresh = new Remembered(access, expiresAt, version, System.nanoTime() + config.rest().tokenMemory().toNanos());
        // A caller that read the row before another caller here stored a newer pair must not put
        // the older token back; a lapsed entry (a reinstall elsewhere restarts versions) gives way.
        return remembered.merge(access.memberId(), fresh, (old, now) ->
                now.version() >= old.version() || !old.usable(System.nanoTime()) ? now : old);
    }

    /** What Bitrix24 says of the app's access to a portal, asked by {@link #probe}. */
    public sealed interface Probe {
        /** The refresh token is refused although no grant can have spent it: Bitrix24 revoked the app's access. */
        record Revoked() implements Probe {
        }

        /** The refresh worked: this fresh pair's access token is the app's, now. */
        record Working(PortalAccess access) implements Probe {
        }

        /** Nothing can be concluded now (an outage, our configuration, a token in doubt); why, for the log. */
        record Inconclusive(String why) implements Probe {
        }
    }

    /**
     * Refreshes the portal's pair to learn whether Bitrix24 still grants the app access, whatever the
     * portal's status here (an uninstall must be confirmed for a portal already waiting for
     * re-authorisation too). Only positive evidence is {@link Probe.Revoked}: {@code invalid_grant}
     * for a refresh token no earlier grant can have spent. A pair it gets is stored, and a portal it
     * finds authorised again is active again.
     */
    public Probe probe(String memberId) {
        ReentrantLock lock = stripes[Math.floorMod(memberId.hashCode(), stripes.length)];
        lock.lock();
        try {
            String owner = PROCESS + "/" + refreshIds.incrementAndGet();
            long leasedAt = System.nanoTime();
            ProbeStart start = QuarkusTransaction.requiringNew().call(() -> startProbe(memberId, owner));
            if (start.refusal() != null) {
                return new Probe.Inconclusive(start.refusal());
            }
            return probeLeased(start.tokens(), owner, leasedAt + lease.toNanos());
        } finally {
            lock.unlock();
        }
    }

    /** The pair to probe with its refresh lease taken, or why it cannot be probed now. */
    private record ProbeStart(StoredTokens tokens, String refusal) {
    }

    private ProbeStart startProbe(String memberId, String owner) {
        StoredTokens stored = store.lockTokens(memberId).orElse(null);
        if (stored == null || stored.status() == PortalStatus.UNINSTALLED) {
            return new ProbeStart(null, "the portal has no tokens to refresh");
        }
        if (stored.refreshInDoubt()) {
            return new ProbeStart(null, "its refresh token may have been spent by a grant whose answer was lost");
        }
        if (!servers.isTrusted(stored.oauthServer())) {
            return new ProbeStart(null, "its OAuth server is no longer trusted");
        }
        if (!store.takeRefreshLease(memberId, owner, lease)) {
            return new ProbeStart(null, "another refresh of its tokens is under way");
        }
        return new ProbeStart(stored, null);
    }

    private Probe probeLeased(StoredTokens tokens, String owner, long leaseEndsAt) {
        String memberId = tokens.memberId();
        TokenGrant grant;
        try {
            grant = oauth.refresh(tokens.oauthServer(), tokens.refreshToken());
        } catch (OAuthRejectedException e) {
            if (INVALID_CLIENT.equals(e.code())) {
                releaseQuietly(memberId, owner);
                misconfigured(memberId);
                return new Probe.Inconclusive("the OAuth server refused this app's client credentials");
            }
            if (!INVALID_GRANT.equals(e.code())) {
                releaseQuietly(memberId, owner);
                return new Probe.Inconclusive("the refresh was refused with " + e.code());
            }
            meters.counter("b24.token.refreshes", "outcome", "invalid_grant").increment();
            if (!QuarkusTransaction.requiringNew().call(() -> refused(tokens, owner))) {
                return new Probe.Inconclusive("the portal's pair was replaced while it was refreshed");
            }
            return new Probe.Revoked();
        } catch (OAuthUnavailableException e) {
            markInDoubt(memberId, owner);
            return new Probe.Inconclusive("the OAuth server could not be asked");
        }
        if (grant.memberId() != null && !grant.memberId().equals(memberId)) {
            releaseQuietly(memberId, owner);
            return new Probe.Inconclusive("the refresh answered for another portal");
        }
        String endpoint = acceptableEndpoint(grant.clientEndpoint()) ? grant.clientEndpoint() : tokens.clientEndpoint();
        if (!storeGrant(tokens, owner, grant, endpoint, leaseEndsAt)) {
            return new Probe.Inconclusive("the pair changed while it was refreshed");
        }
        meters.counter("b24.token.refreshes", "outcome", "ok").increment();
        if (tokens.status() == PortalStatus.REAUTH_REQUIRED
                && QuarkusTransaction.requiringNew().call(() -> store.reactivate(memberId))) {
            LOG.infof("Portal %s is authorised again: its refresh token works", memberId);
        }
        return new Probe.Working(remember(new PortalAccess(memberId, endpoint, grant.accessToken()), grant.expiresAt(),
                tokens.version() + 1));
    }

    /** Drops what this replica remembers of the portal's access token: the next call reads the row. */
    void forget(String memberId) {
        remembered.remove(memberId);
    }

    void portalChanged(@Observes PortalChanged changed) {
        changed.forgetIn(remembered);
    }

    private static PortalAccess toAccess(StoredTokens tokens) {
        return new PortalAccess(tokens.memberId(), tokens.clientEndpoint(), tokens.accessToken());
    }

    private static PortalUnavailableException unavailable(String memberId) {
        return new PortalUnavailableException(memberId, null);
    }

    private record Step(PortalAccess access, RuntimeException failure, StoredTokens leased, long busyVersion) {
        static Step done(PortalAccess access) {
            return new Step(access, null, null, 0);
        }

        static Step failed(RuntimeException failure) {
            return new Step(null, failure, null, 0);
        }

        static Step leased(StoredTokens tokens) {
            return new Step(null, null, tokens, 0);
        }

        static Step busy(long version) {
            return new Step(null, null, null, version);
        }
    }
}
