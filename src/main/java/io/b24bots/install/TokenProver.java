package io.b24bots.install;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.config.B24Config;
import io.b24bots.oauth.AppInfo;
import io.b24bots.oauth.OAuthClient;
import io.b24bots.oauth.OAuthRejectedException;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.TrustedOAuthServers;
import io.b24bots.outbound.OutboundAddresses;
import io.b24bots.portal.TokenCipher;
import io.b24bots.support.Memories;
import io.b24bots.support.TokenBuckets;
import io.b24bots.web.ClientAddress;
import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Proves that a token from a request belongs to our application, to the portal the request
 * claims, and to a portal administrator (docs/ARCHITECTURE.md, "Trust"). Everything after this may trust
 * the portal's domain and endpoint, because they come from the OAuth server, not the request.
 */
@ApplicationScoped
public class TokenProver {

    private static final Logger LOG = Logger.getLogger(TokenProver.class);

    /** How long a token the OAuth server refused is refused again without asking. */
    static final Duration REFUSAL_MEMORY = Duration.ofMinutes(1);
    private static final int REFUSALS_KEPT = 100_000;

    private final TrustedOAuthServers servers;
    private final OAuthClient oauth;
    private final BitrixClient bitrix;
    private final B24Config config;
    private final ClientAddress client;
    private final TokenBuckets failuresByClient;
    private final SuspectLine suspects;
    private final Map<String, Instant> refusedTokens = Memories.bounded(REFUSALS_KEPT, REFUSAL_MEMORY);

    TokenProver(TrustedOAuthServers servers, OAuthClient oauth, BitrixClient bitrix, B24Config config,
            ClientAddress client, InstallConfig install) {
        this.servers = servers;
        this.oauth = oauth;
        this.bitrix = bitrix;
        this.config = config;
        this.client = client;
        int perMinute = Math.max(1, install.failedProofsPerMinute());
        this.failuresByClient = new TokenBuckets(perMinute / 60.0, perMinute, 100_000);
        this.suspects = new SuspectLine(Duration.ofMillis(60_000 / perMinute), install.proofWait());
    }

    /** Resolves a claimed {@code server_endpoint}; an untrusted one is refused before any call. */
    public String trustedServer(String claimedServerEndpoint) {
        return servers.forServerEndpoint(claimedServerEndpoint).orElseThrow(() -> {
            LOG.warnf("Refused a request naming an untrusted OAuth server");
            return Refusal.unverified("The request names an OAuth server this service does not trust.");
        });
    }

    /**
     * Checks {@code accessToken} with {@code app.info} at {@code server}: our client id, the claimed
     * member id (when one is claimed) and, when given, the claimed domain.
     */
    public AppInfo verify(String server, String accessToken, String claimedMemberId, String claimedDomain) {
        if (accessToken == null || accessToken.isBlank()) {
            throw Refusal.unverified("The request carries no access token.");
        }
        // Every proof costs an outbound call: a token just refused is refused again without asking, and
        // a client address that keeps presenting bad tokens is slowed down, never shut out (a genuine
        // token from the same address, behind the same office NAT, must still get through).
        String address = client.current();
        String tokenKey = HexFormat.of().formatHex(TokenCipher.sha256(accessToken));
        Instant refusedUntil = refusedTokens.get(tokenKey);
        if (refusedUntil != null && refusedUntil.isAfter(Instant.now())) {
            failuresByClient.tryAcquire(address);
            throw Refusal.unverified("The access token was not accepted by the Bitrix24 OAuth server.");
        }
        if (failuresByClient.hasBudget(address)) {
            return checkCounted(server, accessToken, claimedMemberId, claimedDomain, address, tokenKey);
        }
        return suspects.inTurn(address, () -> checkCounted(server, accessToken, claimedMemberId, claimedDomain, address, tokenKey));
    }

    private AppInfo checkCounted(String server, String accessToken, String claimedMemberId, String claimedDomain,
            String address, String tokenKey) {
        try {
            return check(server, accessToken, claimedMemberId, claimedDomain);
        } catch (Refusal e) {
            if (e.kind() == Refusal.Kind.UNVERIFIED) {
                failuresByClient.tryAcquire(address);
                refusedTokens.put(tokenKey, Instant.now().plus(REFUSAL_MEMORY));
            }
            throw e;
        }
    }

    private AppInfo check(String server, String accessToken, String claimedMemberId, String claimedDomain) {
        AppInfo info;
        try {
            info = oauth.appInfo(server, accessToken);
        } catch (OAuthRejectedException e) {
            LOG.infof("Token refused by the OAuth server (%s) for claimed portal %s", e.code(), claimedMemberId);
            throw Refusal.unverified("The access token was not accepted by the Bitrix24 OAuth server.");
        } catch (OAuthUnavailableException e) {
            throw Refusal.unavailable("The Bitrix24 OAuth server could not be reached to verify this request. Please try again.");
        }
        if (!config.clientId().equals(info.clientId())) {
            LOG.warnf("Token of another application presented for claimed portal %s", claimedMemberId);
            throw Refusal.unverified("The access token was issued to another application.");
        }
        if (info.memberId() == null || claimedMemberId != null && !claimedMemberId.equals(info.memberId())) {
            LOG.warnf("Token of portal %s presented as portal %s", info.memberId(), claimedMemberId);
            throw Refusal.unverified("The access token belongs to another portal.");
        }
        if (claimedDomain != null && info.domain() != null
                && !claimedDomain.equalsIgnoreCase(info.domain().toLowerCase(Locale.ROOT))) {
            LOG.warnf("Token of portal %s presented with another domain", info.memberId());
            throw Refusal.unverified("The access token belongs to another portal.");
        }
        String endpoint = info.clientEndpoint();
        if (!OutboundAddresses.acceptable(endpoint, config.allowHttp())) {
            throw Refusal.unverified("The OAuth server reported no usable REST endpoint for this portal.");
        }
        return info;
    }

    /** True when the token's user is a portal administrator, asked at the endpoint the OAuth server reported. */
    public boolean isAdmin(String memberId, String clientEndpoint, String accessToken) {
        JsonNode profile;
        try {
            profile = bitrix.callWithToken(memberId, clientEndpoint, accessToken, "profile", Map.of()).result();
        } catch (BitrixException e) {
            if (e.isTransient()) {
                throw Refusal.unavailable("The portal could not be reached to check your permissions. Please try again.");
            }
            LOG.infof("profile refused on portal %s: %s", memberId, e.code());
            throw Refusal.unverified("The portal did not accept the access token.");
        }
        JsonNode admin = profile.path("ADMIN");
        return admin.asBoolean(false) || "Y".equalsIgnoreCase(admin.asText());
    }

    /** Verifies the token and requires an administrator; 401 or 403 otherwise. */
    public ProvenToken proveAdmin(String server, String accessToken, String claimedMemberId, String claimedDomain) {
        AppInfo info = verify(server, accessToken, claimedMemberId, claimedDomain);
        if (!isAdmin(info.memberId(), info.clientEndpoint(), accessToken)) {
            failuresByClient.tryAcquire(client.current());
            LOG.infof("Install attempt by a non-admin user %s of portal %s refused", info.userId(), info.memberId());
            throw Refusal.forbidden("Only a Bitrix24 administrator can install this application.");
        }
        return new ProvenToken(server, info);
    }
}
