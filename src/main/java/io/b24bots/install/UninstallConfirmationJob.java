package io.b24bots.install;

import java.time.Duration;
import java.util.Optional;

import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.AppInfo;
import io.b24bots.oauth.OAuthClient;
import io.b24bots.oauth.OAuthRejectedException;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.TokenService;
import io.b24bots.oauth.AccessProbe;
import io.b24bots.oauth.TrustedOAuthServers;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.StoredTokens;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Acts on {@code ONAPPUNINSTALL} only once Bitrix24 confirms it. The event carries no token and its
 * application token is readable by every portal user, so it proves nothing by itself; a genuine
 * uninstall revokes the app's tokens. Only positive evidence from Bitrix24 confirms it: {@code app.info}
 * reports the app not installed, or refuses a token refreshed for the purpose, or the refresh answers
 * {@code invalid_grant} for a refresh token no earlier grant can have spent. Anything else (an outage,
 * {@code invalid_client}, which is this app's configuration, a portal already waiting for
 * re-authorisation, a refresh token in doubt) is not evidence: the confirmation waits and is tried again,
 * and an unconfirmed claim never purges anything.
 */
@ApplicationScoped
public class UninstallConfirmationJob implements JobHandler {

    public static final String KIND = "confirm-uninstall";
    static final String CLEAN = "clean";

    private static final Logger LOG = Logger.getLogger(UninstallConfirmationJob.class);
    private static final Duration RETRY = Duration.ofSeconds(30);

    private enum Verdict { REVOKED, STILL_INSTALLED }

    private final PortalStore portals;
    private final TokenService tokens;
    private final OAuthClient oauth;
    private final TrustedOAuthServers servers;
    private final InstallService installs;
    private final MeterRegistry meters;

    UninstallConfirmationJob(PortalStore portals, TokenService tokens, OAuthClient oauth, TrustedOAuthServers servers,
            InstallService installs, MeterRegistry meters) {
        this.portals = portals;
        this.tokens = tokens;
        this.oauth = oauth;
        this.servers = servers;
        this.installs = installs;
        this.meters = meters;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        Optional<Portal> portal = portals.find(job.memberId());
        if (portal.isEmpty() || portal.get().status == PortalStatus.UNINSTALLED) {
            return;
        }
        boolean clean = CLEAN.equals(job.payload());
        if (verdict(job.memberId()) == Verdict.REVOKED) {
            installs.uninstall(job.memberId(), clean);
            return;
        }
        meters.counter("b24.events.refused", "reason", "uninstall_not_confirmed").increment();
        LOG.warnf("Refused ONAPPUNINSTALL for portal %s: the app's tokens still work and Bitrix24 reports it installed",
                job.memberId());
    }

    private Verdict verdict(String memberId) {
        StoredTokens stored = portals.tokens(memberId)
                .orElseThrow(() -> new RetryJobLater(RETRY, "the portal has no tokens to ask Bitrix24 with; not confirmed"));
        if (stored.status() == PortalStatus.ACTIVE && !stored.expiresWithin(Duration.ZERO)) {
            // A live stored token answers at once, without spending the refresh token.
            String server = stored.oauthServer();
            if (!servers.isTrusted(server)) {
                throw new RetryJobLater(RETRY, "the portal's OAuth server is no longer trusted; cannot confirm");
            }
            try {
                return installed(server, stored.accessToken());
            } catch (OAuthRejectedException e) {
                LOG.debugf("app.info refused the stored token of portal %s (%s); refreshing to ask again", memberId, e.code());
            } catch (OAuthUnavailableException e) {
                throw new RetryJobLater(RETRY, "OAuth server unavailable; uninstall not confirmed yet");
            }
        }
        return switch (tokens.probe(memberId)) {
            case AccessProbe.Revoked revoked -> Verdict.REVOKED;
            case AccessProbe.Inconclusive inconclusive -> throw new RetryJobLater(RETRY,
                    "uninstall not confirmed yet: " + inconclusive.why());
            case AccessProbe.Working working -> {
                try {
                    yield installed(stored.oauthServer(), working.access().accessToken());
                } catch (OAuthRejectedException e) {
                    // A token issued a moment ago for this very question, refused: the app's access is gone.
                    yield Verdict.REVOKED;
                } catch (OAuthUnavailableException e) {
                    throw new RetryJobLater(RETRY, "app.info failed for a freshly refreshed token; uninstall not confirmed yet");
                }
            }
        };
    }

    private Verdict installed(String server, String accessToken) {
        AppInfo info = oauth.appInfo(server, accessToken);
        return info.installed() ? Verdict.STILL_INSTALLED : Verdict.REVOKED;
    }
}
