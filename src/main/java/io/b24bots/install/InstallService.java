package io.b24bots.install;

import java.time.Instant;
import java.util.Locale;

import io.b24bots.jobs.JobQueue;
import io.b24bots.oauth.AppInfo;
import io.b24bots.oauth.OAuthClient;
import io.b24bots.oauth.OAuthRejectedException;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.TokenGrant;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.ProvenInstall;
import io.b24bots.web.FormData;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.Refusal;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Installs, updates and uninstalls portals, whichever way Bitrix24 tells us: the iframe install
 * page, the {@code ONAPP*} events, or the OAuth code flow. Each path proves the token first and
 * then stores the portal in one transaction together with the work the install triggers.
 */
@ApplicationScoped
public class InstallService {

    private static final Logger LOG = Logger.getLogger(InstallService.class);

    private final TokenProver prover;
    private final OAuthClient oauth;
    private final PortalStore portals;
    private final JobQueue jobs;
    private final Event<PortalInstalled> installed;
    private final Event<PortalUninstalled> uninstalled;
    /** Field-injected, so the constructor stays as it is. */
    @Inject
    Event<PortalUpdated> updated;
    private final MeterRegistry meters;

    InstallService(TokenProver prover, OAuthClient oauth, PortalStore portals, JobQueue jobs,
            Event<PortalInstalled> installed, Event<PortalUninstalled> uninstalled, MeterRegistry meters) {
        this.prover = prover;
        this.oauth = oauth;
        this.portals = portals;
        this.jobs = jobs;
        this.installed = installed;
        this.uninstalled = uninstalled;
        this.meters = meters;
    }

    /** The install page Bitrix24 opens in its iframe (POST /b24/install). */
    public Portal installFromFrame(FrameRequest frame) {
        require(frame.memberId(), "member_id");
        require(frame.authId(), "AUTH_ID");
        require(frame.refreshId(), "REFRESH_ID");
        requireMemberId(frame.memberId());
        String server = prover.trustedServer(frame.serverEndpoint());
        ProvenToken proof = prover.proveAdmin(server, frame.authId(), frame.memberId(), frame.domain());
        return store(proof, frame.authId(), frame.refreshId(), Instant.now().plusSeconds(frame.authExpires()),
                frame.lang(), frame.applicationToken(), "iframe");
    }

    /** {@code ONAPPINSTALL}: proven by its own access token, whether the portal is known or not. */
    public Portal installFromEvent(FormData event) {
        return installFromEvent(event, "ONAPPINSTALL");
    }

    private Portal installFromEvent(FormData event, String name) {
        FormData auth = event.group("auth");
        String memberId = auth.text("member_id");
        require(memberId, "auth[member_id]");
        requireMemberId(memberId);
        String accessToken = auth.text("access_token");
        if (accessToken == null) {
            throw Refusal.unverified(name + " carries no auth[access_token] to verify.");
        }
        require(auth.text("refresh_token"), "auth[refresh_token]");
        require(auth.text("application_token"), "auth[application_token]");
        String server = prover.trustedServer(auth.text("server_endpoint"));
        ProvenToken proof = prover.proveAdmin(server, accessToken, memberId, null);
        return store(proof, accessToken, auth.text("refresh_token"), expiry(auth),
                event.text("data", "LANGUAGE_ID"), auth.text("application_token"), name);
    }

    /** The end of the OAuth code flow: exchange at a trusted server, then the same proof and upsert. */
    public Portal installFromCode(String server, String code, String claimedMemberId, String stateDomain) {
        TokenGrant grant;
        try {
            grant = oauth.exchangeCode(server, code);
        } catch (OAuthRejectedException e) {
            LOG.infof("Authorization code refused by the OAuth server: %s", e.code());
            throw Refusal.invalid("The authorization code was not accepted (it may have expired: codes live 30 seconds). "
                    + "Start the authorization again.");
        } catch (OAuthUnavailableException e) {
            throw Refusal.unavailable("The Bitrix24 OAuth server could not be reached. Please try again.");
        }
        if (claimedMemberId != null && grant.memberId() != null && !claimedMemberId.equals(grant.memberId())) {
            throw Refusal.unverified("The authorization belongs to another portal.");
        }
        ProvenToken proof = prover.proveAdmin(server, grant.accessToken(), grant.memberId(), stateDomain);
        return store(proof, grant.accessToken(), grant.refreshToken(), grant.expiresAt(), null, null, "oauth");
    }

    /**
     * {@code ONAPPUPDATE}. With the stored application token, its own {@code auth[access_token]} must
     * pass {@code app.info} for this portal, since the application token alone is known to every user.
     * The event may bring "the updated application_token" (its page): a new one is stored, with the
     * event's tokens, only on the proof an install needs, an administrator's token. Bitrix24 removes an
     * app's event handlers when it is updated (event.bind's page), so they are bound again.
     */
    public void applyUpdate(String memberId, FormData event, boolean knownApplicationToken) {
        FormData auth = event.group("auth");
        if (knownApplicationToken) {
            prover.verify(prover.trustedServer(auth.text("server_endpoint")), auth.text("access_token"), memberId, null);
            QuarkusTransaction.requiringNew().run(() -> jobs.enqueue(AppEventBindingJob.KIND, memberId, null, memberId));
        } else {
            installFromEvent(event, "ONAPPUPDATE");
        }
        portals.recordUpdate(memberId, intOrNull(event.text("data", "VERSION")), event.text("data", "LANGUAGE_ID"));
        LOG.infof("Portal %s updated the app to version %s", memberId, event.text("data", "VERSION"));
        updated.fire(new PortalUpdated(memberId));
    }

    /**
     * {@code ONAPPUNINSTALL} passed the application-token check, which any portal user can forge:
     * it only queues a confirmation with Bitrix24 ({@link UninstallConfirmationJob}); nothing changes
     * until Bitrix24 shows the app's tokens revoked. Repeats share the waiting confirmation.
     */
    public void requestUninstall(String memberId, boolean clean) {
        QuarkusTransaction.requiringNew().run(() -> jobs.enqueue(UninstallConfirmationJob.KIND, memberId,
                clean ? UninstallConfirmationJob.CLEAN : null, memberId + (clean ? ":clean" : "")));
    }

    /** A confirmed uninstall. Repeats are harmless. */
    public void uninstall(String memberId, boolean clean) {
        QuarkusTransaction.requiringNew().run(() -> {
            boolean changed = portals.markUninstalled(memberId, clean);
            if (clean) {
                jobs.deleteWaiting(memberId);
            }
            uninstalled.fire(new PortalUninstalled(memberId, clean));
            if (changed) {
                meters.counter("b24.uninstalls", "clean", Boolean.toString(clean)).increment();
                LOG.infof("Portal %s uninstalled the app%s", memberId, clean ? " and asked to delete its data" : "");
            }
        });
    }

    private Portal store(ProvenToken proof, String accessToken, String refreshToken, Instant expiresAt,
            String language, String applicationToken, String via) {
        AppInfo info = proof.appInfo();
        ProvenInstall install = new ProvenInstall(info.memberId(), info.domain().toLowerCase(Locale.ROOT),
                info.clientEndpoint(), proof.oauthServer(),
                accessToken, refreshToken, expiresAt, info.userId(), info.scope(), info.version(), language,
                info.status(), applicationToken);
        Portal portal = QuarkusTransaction.requiringNew().call(() -> {
            Portal saved = portals.saveInstall(install);
            // An uninstall deletes the app's event handlers (app-uninstallation page) and a reinstall is an
            // install like any other: make sure they are bound (the job reads event.get first).
            jobs.enqueue(AppEventBindingJob.KIND, saved.memberId, null, saved.memberId);
            installed.fire(new PortalInstalled(saved.memberId));
            return saved;
        });
        meters.counter("b24.installs", "via", via).increment();
        LOG.infof("Portal %s (%s) installed via %s", portal.memberId, portal.domain, via);
        return portal;
    }

    private static Instant expiry(FormData auth) {
        Integer expiresIn = intOrNull(auth.text("expires_in"));
        if (expiresIn != null) {
            return Instant.now().plusSeconds(Math.clamp(expiresIn, 0, 86_400));
        }
        Integer expires = intOrNull(auth.text("expires"));
        return expires != null ? Instant.ofEpochSecond(expires) : Instant.now().plusSeconds(3600);
    }

    private static Integer intOrNull(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw Refusal.invalid("The request is missing the field " + field + ".");
        }
    }

    static void requireMemberId(String memberId) {
        if (!FrameRequest.MEMBER_ID.matcher(memberId).matches()) {
            throw Refusal.invalid("member_id is not a valid Bitrix24 member id.");
        }
    }
}
