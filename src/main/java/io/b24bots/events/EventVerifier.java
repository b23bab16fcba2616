package io.b24bots.events;

import io.b24bots.portal.PortalStore;
import io.b24bots.portal.PortalStore.TokenCheck;
import io.b24bots.web.RequestRejected;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Proves an event came from Bitrix24 for the portal it names: its {@code auth[application_token]}
 * must equal the one stored for {@code auth[member_id]}. Nothing else in an event is signed.
 */
@ApplicationScoped
public class EventVerifier {

    private static final Logger LOG = Logger.getLogger(EventVerifier.class);

    private final PortalStore portals;
    private final MeterRegistry meters;

    EventVerifier(PortalStore portals, MeterRegistry meters) {
        this.portals = portals;
        this.meters = meters;
    }

    public void verify(String event, String memberId, String applicationToken) {
        if (applicationToken == null || applicationToken.isBlank()) {
            meters.counter("b24.events.refused", "reason", "no_token_sent").increment();
            LOG.warnf("Refused %s for portal %s: no application token", event, memberId);
            throw RequestRejected.unauthorized("The event carries no auth[application_token].");
        }
        TokenCheck check = portals.checkApplicationToken(memberId, applicationToken);
        if (check != TokenCheck.MATCH) {
            meters.counter("b24.events.refused", "reason", check.name().toLowerCase(java.util.Locale.ROOT)).increment();
            LOG.warnf("Refused %s for portal %s: %s", event, memberId, check);
            throw RequestRejected.unauthorized(check == TokenCheck.NO_TOKEN_STORED
                    ? "This portal has no application token yet: open the app in Bitrix24 once to finish the installation."
                    : "The event could not be verified for this portal.");
        }
    }
}
