package io.b24bots.portal;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * Tenant records and their encrypted tokens. Callers hold the transaction: an install stores
 * the portal and queues its work atomically.
 */
@ApplicationScoped
public class PortalStore {

    /** How an event's application token compares with the stored one. */
    public enum TokenCheck { MATCH, MISMATCH, NO_TOKEN_STORED, UNKNOWN_PORTAL, UNINSTALLED }

    private final EntityManager em;
    private final TokenCipher cipher;

    PortalStore(EntityManager em, TokenCipher cipher) {
        this.em = em;
        this.cipher = cipher;
    }

    @Transactional
    public Optional<Portal> find(String memberId) {
        return Optional.ofNullable(Portal.findById(memberId));
    }

    /** Creates or updates the portal and replaces its tokens; a reinstall reactivates the row. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Portal saveInstall(ProvenInstall install) {
        Instant now = Instant.now();
        Portal portal = em.find(Portal.class, install.memberId(), LockModeType.PESSIMISTIC_WRITE);
        if (portal == null) {
            portal = new Portal();
            portal.memberId = install.memberId();
            portal.createdAt = now;
        }
        portal.domain = install.domain();
        portal.clientEndpoint = install.clientEndpoint();
        portal.serverEndpoint = install.serverEndpoint();
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

    /** Compares in constant time, so response timing does not reveal how much of a guess was right. */
    @Transactional
    public TokenCheck checkApplicationToken(String memberId, String applicationToken) {
        Portal portal = Portal.findById(memberId);
        if (portal == null) {
            return TokenCheck.UNKNOWN_PORTAL;
        }
        if (portal.applicationTokenHash == null) {
            return TokenCheck.NO_TOKEN_STORED;
        }
        if (portal.status == PortalStatus.UNINSTALLED) {
            // After a confirmed uninstall only a reinstall (ONAPPINSTALL, proven by its own tokens) is heard.
            return TokenCheck.UNINSTALLED;
        }
        boolean equal = MessageDigest.isEqual(portal.applicationTokenHash, TokenCipher.sha256(applicationToken));
        return equal ? TokenCheck.MATCH : TokenCheck.MISMATCH;
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
     * Tokens under {@code SELECT ... FOR UPDATE}: the caller's transaction is the only one, on any
     * replica, that may refresh this pair until it commits.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<StoredTokens> lockTokens(String memberId) {
        PortalToken token = em.find(PortalToken.class, memberId, LockModeType.PESSIMISTIC_WRITE);
        Portal portal = token == null ? null : Portal.findById(memberId);
        return portal == null ? Optional.empty() : Optional.of(open(portal, token));
    }

    /** Stores a rotated pair; the endpoint is updated when the OAuth server reports a moved portal. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void saveRefreshed(String memberId, String accessToken, String refreshToken, Instant expiresAt,
            String clientEndpoint, String domain) {
        PortalToken token = em.find(PortalToken.class, memberId, LockModeType.PESSIMISTIC_WRITE);
        Portal portal = Portal.findById(memberId);
        seal(token, accessToken, refreshToken, expiresAt);
        token.version++;
        if (clientEndpoint != null && !clientEndpoint.equals(portal.clientEndpoint)) {
            portal.clientEndpoint = clientEndpoint;
            if (domain != null) {
                portal.domain = domain;
            }
        }
        portal.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void markReauthRequired(String memberId) {
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
                token.expiresAt, token.version);
    }

    private static String context(String memberId, String column) {
        return "portal_token." + column + ":" + memberId;
    }

    private static <T> T firstNonNull(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
