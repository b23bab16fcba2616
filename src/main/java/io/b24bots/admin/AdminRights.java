package io.b24bots.admin;


import java.util.Map;

import io.b24bots.admin.AdminDenied.Reason;
import io.b24bots.admin.AdminSession.Session;
import io.b24bots.install.TokenProver;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.support.Memories;
import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Whether the user behind an admin session is still a portal administrator, asked of the portal
 * again (with the user's own token the session carries sealed) before an action: rights taken away
 * after the page was opened stop its actions. A "yes" is believed for {@code b24.admin.rights-memory},
 * so a burst of clicks costs one question; a "no" is never remembered.
 */
@ApplicationScoped
public class AdminRights {

    private static final Logger LOG = Logger.getLogger(AdminRights.class);
    private static final int KEPT = 10_000;

    private final AdminSession sessions;
    private final TokenProver prover;
    private final PortalStore portals;
    private final AdminConfig config;
    private final Map<String, Long> confirmedUntil;

    AdminRights(AdminSession sessions, TokenProver prover, PortalStore portals, AdminConfig config) {
        this.sessions = sessions;
        this.prover = prover;
        this.portals = portals;
        this.config = config;
        this.confirmedUntil = Memories.bounded(KEPT, config.rightsMemory());
    }

    /** Throws {@link AdminDenied} when the portal cannot be asked or the user's token is no longer accepted. */
    boolean stillAdmin(Session session) {
        String key = session.memberId() + "|" + session.userId();
        Long until = confirmedUntil.get(key);
        long now = System.nanoTime();
        if (until != null && until - now > 0) {
            return true;
        }
        Portal portal = portals.find(session.memberId()).filter(p -> p.status != PortalStatus.UNINSTALLED)
                .orElseThrow(() -> new AdminDenied(Reason.UNVERIFIED, session.lang()));
        String token = sessions.userToken(session).orElseThrow(() -> new AdminDenied(Reason.UNVERIFIED, session.lang()));
        boolean admin;
        try {
            admin = prover.isAdmin(portal.memberId, portal.clientEndpoint, token);
        } catch (Refusal e) {
            throw new AdminDenied(e.kind() == Refusal.Kind.UNAVAILABLE ? Reason.UNAVAILABLE : Reason.UNVERIFIED, session.lang());
        }
        if (!admin) {
            confirmedUntil.remove(key);
            LOG.infof("User %d of portal %s is no longer an administrator; the page's actions are refused",
                    session.userId(), session.memberId());
            return false;
        }
        confirmedUntil.put(key, now + config.rightsMemory().toNanos());
        return true;
    }
}
