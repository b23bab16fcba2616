package io.b24bots.events;

import io.b24bots.web.Refusal;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Refuses an event the same way everywhere: counted by reason, logged without any token, answered with a clear error. */
@ApplicationScoped
public class EventRefusals {

    private static final Logger LOG = Logger.getLogger(EventRefusals.class);

    private final MeterRegistry meters;

    EventRefusals(MeterRegistry meters) {
        this.meters = meters;
    }

    /** A 401 for an event that could not be verified; {@code reason} is a fixed word, never request data. */
    public Refusal refuse(String event, String memberId, String reason, String description) {
        return refuse(event, memberId, reason, Refusal.Kind.UNVERIFIED, description);
    }

    public Refusal refuse(String event, String memberId, String reason, Refusal.Kind kind, String description) {
        meters.counter("b24.events.refused", "reason", reason).increment();
        LOG.warnf("Refused %s for portal %s: %s", EventNames.known(event) ? event : "an unknown event", memberId, reason);
        return new Refusal(kind, description);
    }
}
