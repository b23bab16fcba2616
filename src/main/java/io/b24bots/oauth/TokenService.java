package io.b24bots.oauth;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import io.b24bots.config.B24Config;
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
 * and {@code SELECT ... FOR UPDATE} with a re-check queues other replicas, so concurrent callers
 * share one refresh and the single-use refresh token is never sent twice.
 */
@ApplicationScoped
public class TokenService {

    private static final Logger LOG = Logger.getLogger(TokenService.class);

    /** Refresh slightly before the stated expiry so a token does not lapse in flight. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);

    private final ReentrantLock[] stripes = new ReentrantLock[256];
    private final PortalStore store;
    private final OAuthClient oauth;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final MeterRegistry meters;

    TokenService(PortalStore store, OAuthClient oauth, TrustedOAuthServers servers, B24Config config,
            MeterRegistry meters) {
        this.store = store;
        this.oauth = oauth;
        this.servers = servers;
        this.config = config;
        this.meters = meters;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** A usable token for the portal, refreshed first when it is known to be expired. */
    public PortalAccess access(String memberId) {
        StoredTokens tokens = store.tokens(memberId).orElseThrow(() -> unavailable(memberId));
        requireActive(tokens);
        if (!tokens.expiresWithin(EXPIRY_MARGIN)) {
            return toAccess(tokens);
        }
        return refresh(memberId, stored -> stored.expiresWithin(EXPIRY_MARGIN));
    }

    /**
     * Bitrix24 answered {@code expired_token}/{@code invalid_token} for {@code rejectedToken}: refresh,
     * unless another caller already replaced that token.
     */
    public PortalAccess refreshRejected(String memberId, String rejectedToken) {
        return refresh(memberId, stored -> stored.accessToken().equals(rejectedToken)
                || stored.expiresWithin(EXPIRY_MARGIN));
    }

    private PortalAccess refresh(String memberId, Predicate<StoredTokens> needed) {
        ReentrantLock lock = stripes[Math.floorMod(memberId.hashCode(), stripes.length)];
        lock.lock();
        try {
            Refresh outcome = QuarkusTransaction.requiringNew().call(() -> refreshLocked(memberId, needed));
            if (outcome.access() != null) {
                return outcome.access();
            }
            throw outcome.failure();
        } finally {
            lock.unlock();
        }
    }

    /** Runs under the row lock; failures are returned, not thrown, so a status change still commits. */
    private Refresh refreshLocked(String memberId, Predicate<StoredTokens> needed) {
        StoredTokens tokens = store.lockTokens(memberId).orElse(null);
        if (tokens == null) {
            return Refresh.failed(unavailable(memberId));
        }
        if (tokens.status() != PortalStatus.ACTIVE) {
            return Refresh.failed(new PortalUnavailableException(memberId, tokens.status()));
        }
        if (!needed.test(tokens)) {
            return Refresh.ok(toAccess(tokens));
        }
        if (!servers.isTrusted(tokens.oauthServer())) {
            LOG.warnf("Portal %s was installed through an OAuth server that is no longer trusted; "
                    + "it needs to be authorised again", memberId);
            store.markReauthRequired(memberId);
            return Refresh.failed(new PortalUnavailableException(memberId, PortalStatus.REAUTH_REQUIRED));
        }
        TokenGrant grant;
        try {
            grant = oauth.refresh(tokens.oauthServer(), tokens.refreshToken());
        } catch (OAuthRejectedException e) {
            if ("invalid_grant".equals(e.code()) || "invalid_client".equals(e.code())) {
                meters.counter("b24.token.refreshes", "outcome", "invalid_grant").increment();
                LOG.warnf("Refresh refused for portal %s (%s); marked reauth_required", memberId, e.code());
                store.markReauthRequired(memberId);
                return Refresh.failed(new PortalUnavailableException(memberId, PortalStatus.REAUTH_REQUIRED));
            }
            meters.counter("b24.token.refreshes", "outcome", "error").increment();
            return Refresh.failed(e);
        } catch (OAuthUnavailableException e) {
            meters.counter("b24.token.refreshes", "outcome", "error").increment();
            return Refresh.failed(e);
        }
        if (grant.memberId() != null && !grant.memberId().equals(memberId)) {
            return Refresh.failed(new OAuthRejectedException("wrong_member", "refresh answered for another portal"));
        }
        String endpoint = acceptableEndpoint(grant.clientEndpoint()) ? grant.clientEndpoint() : tokens.clientEndpoint();
        store.saveRefreshed(memberId, grant.accessToken(), grant.refreshToken(), grant.expiresAt(), endpoint,
                hostOf(endpoint));
        meters.counter("b24.token.refreshes", "outcome", "ok").increment();
        LOG.debugf("Refreshed tokens of portal %s", memberId);
        return Refresh.ok(new PortalAccess(memberId, endpoint, grant.accessToken()));
    }

    private boolean acceptableEndpoint(String endpoint) {
        return io.b24bots.config.EndpointPolicy.acceptable(endpoint, config.allowHttp());
    }

    private static String hostOf(String endpoint) {
        try {
            URI uri = URI.create(endpoint);
            return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void requireActive(StoredTokens tokens) {
        if (tokens.status() != PortalStatus.ACTIVE) {
            throw new PortalUnavailableException(tokens.memberId(), tokens.status());
        }
    }

    private static PortalAccess toAccess(StoredTokens tokens) {
        return new PortalAccess(tokens.memberId(), tokens.clientEndpoint(), tokens.accessToken());
    }

    private static PortalUnavailableException unavailable(String memberId) {
        return new PortalUnavailableException(memberId, null);
    }

    private record Refresh(PortalAccess access, RuntimeException failure) {
        static Refresh ok(PortalAccess access) {
            return new Refresh(access, null);
        }

        static Refresh failed(RuntimeException failure) {
            return new Refresh(null, failure);
        }
    }
}
