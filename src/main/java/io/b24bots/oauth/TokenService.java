package io.b24bots.oauth;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.b24bots.config.B24Config;
import io.b24bots.outbound.OutboundAddresses;
import io.b24bots.portal.PortalChanges;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.StoredTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
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
    static final Duration EXPIRY_MARGIN = AccessTokenMemory.EXPIRY_MARGIN;


    /** Longest pause between attempts to store a refreshed pair while the database fails. */
    private static final Duration MAX_STORE_BACKOFF = Duration.ofSeconds(2);

    private static final String INVALID_GRANT = "invalid_grant";
    private static final String INVALID_CLIENT = "invalid_client";

    private final PortalStore store;
    private final RefreshLeases leases;
    private final AccessTokenMemory memory;
    private final PortalChanges changes;
    private final OAuthClient oauth;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final MeterRegistry meters;
    /** Outlasts the longest grant (connect plus read timeout) with room to store its answer. */
    final Duration lease;

    TokenService(PortalStore store, PortalChanges changes, OAuthClient oauth, TrustedOAuthServers servers, B24Config config,
            MeterRegistry meters, AccessTokenMemory memory,
            RefreshLeases leases) {
        this.store = store;
        this.memory = memory;
        this.changes = changes;
        this.oauth = oauth;
        this.servers = servers;
        this.config = config;
        this.meters = meters;
        this.leases = leases;
        this.lease = leases.length();
    }

    /** A usable token for the portal, refreshed first when it is known to be expired. */
    public PortalAccess access(String memberId) {
        PortalAccess known = memory.usable(memberId);
        if (known != null) {
            return known;
        }
        long stamp = changes.stamp();
        StoredTokens tokens = store.tokens(memberId).orElseThrow(() -> unavailable(memberId));
        requireActive(tokens);
        if (!tokens.expiresWithin(EXPIRY_MARGIN)) {
            return memory.read(tokens, stamp);
        }
        return refresh(memberId, stored -> stored.expiresWithin(EXPIRY_MARGIN));
    }

    /**
     * Bitrix24 answered {@code expired_token}/{@code invalid_token} for {@code rejectedToken}: refresh,
     * unless another caller already replaced that token.
     */
    public PortalAccess refreshRejected(String memberId, String rejectedToken) {
        memory.rejected(memberId, rejectedToken);
        return refresh(memberId, stored -> stored.accessToken().equals(rejectedToken)
                || stored.expiresWithin(EXPIRY_MARGIN));
    }

    private PortalAccess refresh(String memberId, Predicate<StoredTokens> needed) {
        ReentrantLock lock = leases.lock(memberId);
        lock.lock();
        try {
            while (true) {
                String owner = leases.newOwner();
                long leasedAt = System.nanoTime();
                long stamp = changes.stamp();
                RefreshStep step = QuarkusTransaction.requiringNew().call(() -> begin(memberId, needed, owner, stamp));
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
                    leases.awaitOther(memberId, step.busyVersion());
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
    private RefreshStep begin(String memberId, Predicate<StoredTokens> needed, String owner, long stamp) {
        StoredTokens tokens = store.lockTokens(memberId).orElse(null);
        if (tokens == null) {
            return RefreshStep.failed(unavailable(memberId));
        }
        if (tokens.status() != PortalStatus.ACTIVE) {
            return RefreshStep.failed(new PortalUnavailableException(memberId, tokens.status()));
        }
        if (!needed.test(tokens)) {
            return RefreshStep.done(memory.read(tokens, stamp));
        }
        if (!servers.isTrusted(tokens.oauthServer())) {
            LOG.warnf("Portal %s was installed through an OAuth server that is no longer trusted; "
                    + "it needs to be authorised again", memberId);
            store.markReauthRequired(memberId);
            return RefreshStep.failed(new PortalUnavailableException(memberId, PortalStatus.REAUTH_REQUIRED));
        }
        if (!store.takeRefreshLease(memberId, owner, lease)) {
            return RefreshStep.busy(tokens.version());
        }
        return RefreshStep.leased(tokens);
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
            return memory.stored(new PortalAccess(memberId, endpoint, grant.accessToken()), grant.expiresAt(),
                    tokens.version() + 1);
        } finally {
            if (!leaseEnded) {
                leases.releaseQuietly(memberId, owner);
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
                RefreshLeases.pause(backoff);
                backoff = min(backoff.multipliedBy(2), MAX_STORE_BACKOFF);
            }
        }
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

    /**
     * Refreshes the portal's pair to learn whether Bitrix24 still grants the app access, whatever the
     * portal's status here (an uninstall must be confirmed for a portal already waiting for
     * re-authorisation too). Only positive evidence is {@link AccessProbe.Revoked}: {@code invalid_grant}
     * for a refresh token no earlier grant can have spent. A pair it gets is stored, and a portal it
     * finds authorised again is active again.
     */
    public AccessProbe probe(String memberId) {
        ReentrantLock lock = leases.lock(memberId);
        lock.lock();
        try {
            String owner = leases.newOwner();
            long leasedAt = System.nanoTime();
            ProbeStart start = QuarkusTransaction.requiringNew().call(() -> startProbe(memberId, owner));
            if (start.refusal() != null) {
                return new AccessProbe.Inconclusive(start.refusal());
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

    private AccessProbe probeLeased(StoredTokens tokens, String owner, long leaseEndsAt) {
        String memberId = tokens.memberId();
        TokenGrant grant;
        try {
            grant = oauth.refresh(tokens.oauthServer(), tokens.refreshToken());
        } catch (OAuthRejectedException e) {
            if (INVALID_CLIENT.equals(e.code())) {
                leases.releaseQuietly(memberId, owner);
                misconfigured(memberId);
                return new AccessProbe.Inconclusive("the OAuth server refused this app's client credentials");
            }
            if (!INVALID_GRANT.equals(e.code())) {
                leases.releaseQuietly(memberId, owner);
                return new AccessProbe.Inconclusive("the refresh was refused with " + e.code());
            }
            meters.counter("b24.token.refreshes", "outcome", "invalid_grant").increment();
            if (!QuarkusTransaction.requiringNew().call(() -> refused(tokens, owner))) {
                return new AccessProbe.Inconclusive("the portal's pair was replaced while it was refreshed");
            }
            return new AccessProbe.Revoked();
        } catch (OAuthUnavailableException e) {
            markInDoubt(memberId, owner);
            return new AccessProbe.Inconclusive("the OAuth server could not be asked");
        }
        if (grant.memberId() != null && !grant.memberId().equals(memberId)) {
            leases.releaseQuietly(memberId, owner);
            return new AccessProbe.Inconclusive("the refresh answered for another portal");
        }
        String endpoint = acceptableEndpoint(grant.clientEndpoint()) ? grant.clientEndpoint() : tokens.clientEndpoint();
        if (!storeGrant(tokens, owner, grant, endpoint, leaseEndsAt)) {
            return new AccessProbe.Inconclusive("the pair changed while it was refreshed");
        }
        meters.counter("b24.token.refreshes", "outcome", "ok").increment();
        if (tokens.status() == PortalStatus.REAUTH_REQUIRED
                && QuarkusTransaction.requiringNew().call(() -> store.reactivate(memberId))) {
            LOG.infof("Portal %s is authorised again: its refresh token works", memberId);
        }
        return new AccessProbe.Working(memory.stored(new PortalAccess(memberId, endpoint, grant.accessToken()), grant.expiresAt(),
                tokens.version() + 1));
    }

    /** Drops what this replica remembers of the portal's access token: the next call reads the row. */
    void forget(String memberId) {
        memory.forget(memberId);
    }

    private static PortalUnavailableException unavailable(String memberId) {
        return new PortalUnavailableException(memberId, null);
    }
}
