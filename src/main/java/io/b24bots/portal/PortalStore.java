package io.b24bots.portal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.b24bots.web.PortalDomains;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

/**
 * Tenant records and their encrypted tokens. Callers hold the transaction: an install stores
 * the portal and queues its work atomically.
 */
@ApplicationScoped
public class PortalStore implements PortalDomains {

    private final EntityManager em;
    private final TokenCipher cipher;
    private final TransactionSynchronizationRegistry transactions;
    private final Event<PortalChanged> portalChanged;

    PortalStore(EntityManager em, TokenCipher cipher, TransactionSynchronizationRegistry transactions,
            Event<PortalChanged> portalChanged) {
        this.em = em;
        this.cipher = cipher;
        this.transactions = transactions;
        this.portalChanged = portalChanged;
    }

    /** A portal as a list shows it. */
    public record PortalSummary(String memberId, String domain, PortalStatus status) {
    }

    /** The portals of these member_ids that exist, in the order given. */
    @Transactional
    public List<PortalSummary> summaries(List<String> memberIds) {
        if (memberIds.isEmpty()) {
            return List.of();
        }
        Map<String, PortalSummary> found = new HashMap<>();
        Portal.<Portal>list("memberId in ?1", memberIds)
                .forEach(p -> found.put(p.memberId, new PortalSummary(p.memberId, p.domain, p.status)));
        return memberIds.stream().map(found::get).filter(Objects::nonNull).toList();
    }

    @Transactional
    public Optional<Portal> find(String memberId) {
        return Optional.ofNullable(Portal.findById(memberId));
    }

    /** Creates or updates the portal and replaces its tokens; a reinstall reactivates the row. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Portal saveInstall(ProvenInstall install) {
        Instant now = Instant.now();
        forgetToken(install.memberId());
        Portal portal = em.find(Portal.class, install.memberId(), LockModeType.PESSIMISTIC_WRITE);
        if (portal == null) {
            portal = new Portal();
            portal.memberId = install.memberId();
            portal.createdAt = now;
        }
        portal.domain = install.domain();
        portal.clientEndpoint = install.clientEndpoint();
        portal.oauthServer = install.oauthServer();
        if (install.applicationToken() != null) {
            portal.applicationTokenHash = TokenCipher.sha256(install.applicationToken());
        }
        if (portal.status != PortalStatus.ACTIVE) {
            portal.installedAt = now;
            portal.uninstalledAt = null;
        }
        portal.status = PortalStatus.ACTIVE;
        portal.scope = firstNonNull(install.scope(), portal.scope);
        portal.appVersion = firstNonNull(install.appVersion(), portal.appVersion);
        portal.language = firstNonNull(install.language(), portal.language);
        portal.licenseStatus = firstNonNull(install.licenseStatus(), portal.licenseStatus);
        portal.installedBy = firstNonNull(install.userId(), portal.installedBy);
        portal.updatedAt = now;
        portal.persist();

        PortalToken token = em.find(PortalToken.class, install.memberId(), LockModeType.PESSIMISTIC_WRITE);
        if (token == null) {
            token = new PortalToken();
            token.memberId = install.memberId();
            token.version = 0;
        } else {
            token.version++;
            // A new pair: a refresh still in flight for the old one will not store its answer
            // (the version moved) and nobody should wait for it.
            em.createNativeQuery("""
                    update portal_token set refresh_owner = null, refresh_until = null, refresh_in_doubt = false
                    where member_id = :member""")
                    .setParameter("member", install.memberId())
                    .executeUpdate();
        }
        token.userId = install.userId();
        seal(token, install.accessToken(), install.refreshToken(), install.expiresAt());
        token.persist();
        return portal;
    }

    /** True when a portal with this domain (host, or host:port) has installed the app here. */
    @Transactional
    public boolean isInstalledDomain(String domain) {
        return Portal.count("domain", domain) > 0;
    }

    @Override
    public boolean installedHere(String domain) {
        return isInstalledDomain(domain);
    }

    /**
     * The active portal stored for a domain: v2 webhook events may name the portal by
     * {@code auth[domain]} only. Empty when none (or more than one) is active there.
     */
    @Transactional
    public Optional<String> activeMemberIdForDomain(String domain) {
        List<Portal> found = Portal.<Portal>find("domain = ?1 and status = ?2", domain, PortalStatus.ACTIVE).page(0, 2).list();
        return found.size() == 1 ? Optional.of(found.getFirst().memberId) : Optional.empty();
    }

    /** An installed portal's application token hash and status, read as two scalars (the whole entity cost most of a miss). */
    public record StoredAppToken(byte[] hash, String status) {
    }

    /** What an event's application token is checked against; empty for a portal never installed. */
    @Transactional
    public Optional<StoredAppToken> storedAppToken(String memberId) {
        return Optional.ofNullable(em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "select application_token_hash, status from portal where member_id = ?")) {
                statement.setString(1, memberId);
                try (ResultSet row = statement.executeQuery()) {
                    return row.next() ? new StoredAppToken(row.getBytes(1), row.getString(2)) : null;
                }
            }
        }));
    }

    /**
     * The portal's token or status is changing in the current transaction: every memory of this
     * replica forgets the portal ({@link PortalChanged}) now and once more after the transaction
     * ends, so a reader of the old row meanwhile does not keep it. The database's announcement of
     * the same change reaches the other replicas (and this one again) at commit.
     */
    private void forgetToken(String memberId) {
        portalChanged.fire(new PortalChanged(memberId));
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                portalChanged.fire(new PortalChanged(memberId));
            }
        });
    }

    @Transactional
    public void recordUpdate(String memberId, Integer appVersion, String language) {
        Portal portal = Portal.findById(memberId);
        if (portal != null) {
            portal.appVersion = firstNonNull(appVersion, portal.appVersion);
            portal.language = firstNonNull(language, portal.language);
            portal.updatedAt = Instant.now();
        }
    }

    /**
     * Soft uninstall: the row stays (member id, domain, endpoints, the application token hash) so
     * a reinstall is recognised and a repeated uninstall event still verifies; the OAuth pair is
     * deleted because Bitrix24 has revoked it. With {@code clean}, the portal's details go too.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean markUninstalled(String memberId, boolean clean) {
        forgetToken(memberId);
        Portal portal = em.find(Portal.class, memberId, LockModeType.PESSIMISTIC_WRITE);
        if (portal == null) {
            return false;
        }
        Instant now = Instant.now();
        boolean changed = portal.status != PortalStatus.UNINSTALLED;
        if (changed) {
            portal.uninstalledAt = now;
        }
        portal.status = PortalStatus.UNINSTALLED;
        if (clean) {
            portal.scope = null;
            portal.appVersion = null;
            portal.language = null;
            portal.licenseStatus = null;
            portal.installedBy = null;
        }
        portal.updatedAt = now;
        PortalToken.delete("memberId", memberId);
        return changed;
    }

    /** Tokens as stored, read without a lock. */
    @Transactional
    public Optional<StoredTokens> tokens(String memberId) {
        PortalToken token = PortalToken.findById(memberId);
        Portal portal = token == null ? null : Portal.findById(memberId);
        return portal == null ? Optional.empty() : Optional.of(open(portal, token));
    }

    /**
     * Tokens under {@code SELECT ... FOR UPDATE}, for a short transaction that decides whether to
     * refresh and takes the refresh lease; never hold it across a call to the OAuth server.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<StoredTokens> lockTokens(String memberId) {
        PortalToken token = em.find(PortalToken.class, memberId, LockModeType.PESSIMISTIC_WRITE);
        Portal portal = token == null ? null : Portal.findById(memberId);
        return portal == null ? Optional.empty() : Optional.of(open(portal, token));
    }

    /**
     * Takes the refresh lease for {@code length} unless another refresh holds one that has not
     * expired. Call it after {@link #lockTokens} in the same transaction, so the row cannot change
     * between the caller's check that it still needs refreshing and the lease. A lease that ran out
     * without being released was held by a refresh that stopped midway (its replica died, or could
     * not store the rotated pair): its grant may have spent the refresh token, which is then in doubt.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean takeRefreshLease(String memberId, String owner, Duration length) {
        return em.createNativeQuery("""
                update portal_token
                   set refresh_owner = :owner,
                       refresh_until = now() + make_interval(secs => :secs),
                       refresh_in_doubt = refresh_in_doubt or refresh_owner is not null
                 where member_id = :member
                   and (refresh_until is null or refresh_until <= now())
                """)
                .setParameter("owner", owner)
                .setParameter("secs", length.toMillis() / 1000.0)
                .setParameter("member", memberId)
                .executeUpdate() == 1;
    }

    /**
     * A grant sent with the stored refresh token got no answer (a timeout, a dropped connection): the
     * server may have spent the token. Ends {@code owner}'s lease too, if it still holds it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void refreshInDoubt(String memberId, String owner) {
        em.createNativeQuery("""
                update portal_token set refresh_in_doubt = true,
                       refresh_owner = case when refresh_owner = :owner then null else refresh_owner end,
                       refresh_until = case when refresh_owner = :owner then null else refresh_until end
                 where member_id = :member
                """)
                .setParameter("member", memberId)
                .setParameter("owner", owner)
                .executeUpdate();
    }

    /** Ends the lease {@code owner} holds, if it still holds it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void releaseLease(String memberId, String owner) {
        em.createNativeQuery("""
                update portal_token set refresh_owner = null, refresh_until = null
                 where member_id = :member and refresh_owner = :owner
                """)
                .setParameter("member", memberId)
                .setParameter("owner", owner)
                .executeUpdate();
    }

    /** The pair's version and whether a refresh lease is live, read in its own short transaction. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<RefreshState> refreshState(String memberId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select version, coalesce(refresh_until > now(), false) from portal_token where member_id = :member
                """)
                .setParameter("member", memberId)
                .getResultList();
        return rows.stream().findFirst()
                .map(row -> new RefreshState(((Number) row[0]).longValue(), (Boolean) row[1]));
    }

    /**
     * Stores a rotated pair and ends {@code owner}'s lease, if the pair is still the one that was
     * refreshed ({@code refreshedVersion}); the endpoint is updated when the OAuth server reports a
     * moved portal. False when the portal's tokens were replaced or deleted meanwhile.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean saveRefreshed(String memberId, long refreshedVersion, String owner, String accessToken,
            String refreshToken, Instant expiresAt, String clientEndpoint, String domain) {
        PortalToken token = em.find(PortalToken.class, memberId, LockModeType.PESSIMISTIC_WRITE);
        if (token == null) {
            return false;
        }
        releaseLease(memberId, owner);
        if (token.version != refreshedVersion) {
            return false;
        }
        Portal portal = Portal.findById(memberId);
        seal(token, accessToken, refreshToken, expiresAt);
        token.version++;
        em.createNativeQuery("update portal_token set refresh_in_doubt = false where member_id = :member")
                .setParameter("member", memberId)
                .executeUpdate();
        if (clientEndpoint != null && !clientEndpoint.equals(portal.clientEndpoint)) {
            portal.clientEndpoint = clientEndpoint;
            if (domain != null) {
                portal.domain = domain;
            }
        }
        portal.updatedAt = Instant.now();
        return true;
    }

    /** A portal waiting for re-authorisation whose refresh token works again is active again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean reactivate(String memberId) {
        Portal portal = Portal.findById(memberId);
        if (portal == null || portal.status != PortalStatus.REAUTH_REQUIRED) {
            return false;
        }
        forgetToken(memberId);
        portal.status = PortalStatus.ACTIVE;
        portal.updatedAt = Instant.now();
        return true;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void markReauthRequired(String memberId) {
        forgetToken(memberId);
        Portal portal = Portal.findById(memberId);
        if (portal != null && portal.status == PortalStatus.ACTIVE) {
            portal.status = PortalStatus.REAUTH_REQUIRED;
            portal.updatedAt = Instant.now();
        }
    }

    private void seal(PortalToken token, String accessToken, String refreshToken, Instant expiresAt) {
        token.keyId = cipher.primaryKeyId();
        token.accessToken = cipher.seal(accessToken, context(token.memberId, "access"));
        token.refreshToken = cipher.seal(refreshToken, context(token.memberId, "refresh"));
        token.expiresAt = expiresAt;
        token.updatedAt = Instant.now();
    }

    private StoredTokens open(Portal portal, PortalToken token) {
        return new StoredTokens(portal.memberId, portal.status, portal.clientEndpoint, portal.oauthServer,
                cipher.open(token.accessToken, token.keyId, context(token.memberId, "access")),
                cipher.open(token.refreshToken, token.keyId, context(token.memberId, "refresh")),
                token.expiresAt, token.version, token.refreshInDoubt);
    }

    private static String context(String memberId, String column) {
        return "portal_token." + column + ":" + memberId;
    }

    private static <T> T firstNonNull(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
