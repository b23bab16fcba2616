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
import io.b24bots.oauth.PortalAccess;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.oauth.TokenService;
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
 * application token is readable by every portal user, but a genuine uninstall revokes the app's
 * tokens: {@code app.info} with the stored token fails and a refresh answers {@code invalid_grant}.
 * While the stored pair still works and {@code app.info} reports the app installed, the claim is
 * refused and nothing changes. When the OAuth server cannot be asked, the confirmation waits and
 * is tried again; an unconfirmed claim never purges anything.
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
        Optional<StoredTokens> stored = portals.tokens(memberId);
        if (stored.isEmpty() || stored.get().status() == PortalStatus.REAUTH_REQUIRED) {
            // No pair left, or its refresh already answered invalid_grant: nothing of ours still works.
            return Verdict.REVOKED;
        }
        String server = stored.get().oauthServer();
        if (!servers.isTrusted(server)) {
            throw new RetryJobLater(RETRY, "the portal's OAuth server is no longer trusted; cannot confirm");
        }
        try {
            return installed(server, stored.get().accessToken());
        } catch (OAuthRejectedException e) {
            LOG.debugf("app.info refused the stored token of portal %s (%s); trying a refresh", memberId, e.code());
        } catch (OAuthUnavailableException e) {
            throw new RetryJobLater(RETRY, "OAuth server unavailable; uninstall not confirmed yet");
        }
        PortalAccess fresh;
        try {
            fresh = tokens.refreshRejected(memberId, stored.get().accessToken());
        } catch (PortalUnavailableException e) {
            if (e.status() == PortalStatus.REAUTH_REQUIRED || e.status() == null) {
                return Verdict.REVOKED;
            }
            throw new RetryJobLater(RETRY, "portal is " + e.status().dbValue());
        } catch (OAuthRejectedException | OAuthUnavailableException e) {
            throw new RetryJobLater(RETRY, "refresh failed without invalid_grant; uninstall not confirmed yet");
        }
        try {
            return installed(server, fresh.accessToken());
        } catch (OAuthRejectedException | OAuthUnavailableException e) {
            throw new RetryJobLater(RETRY, "app.info failed for a freshly refreshed token; uninstall not confirmed yet");
        }
    }

    private Verdict installed(String server, String accessToken) {
        AppInfo info = oauth.appInfo(server, accessToken);
        return info.installed() ? Verdict.STILL_INSTALLED : Verdict.REVOKED;
    }
}
