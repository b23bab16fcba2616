package io.b24bots.events;

import java.util.Locale;
import java.util.Map;

import io.b24bots.bot.BotEvents;
import io.b24bots.install.InstallService;
import io.b24bots.web.FormBodies;
import io.b24bots.web.FormData;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.PortalLogContext;
import io.b24bots.web.RequestRejected;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestHeader;

/** The one URL Bitrix24 posts events to: parse, verify, then hand to the feature that owns the event. */
@Path("/b24/events")
public class EventsResource {

    private static final Logger LOG = Logger.getLogger(EventsResource.class);

    private final EventVerifier verifier;
    private final InstallService installs;
    private final EventDedup dedup;
    private final BotEvents botEvents;
    private final MeterRegistry meters;

    EventsResource(EventVerifier verifier, InstallService installs, EventDedup dedup, BotEvents botEvents, MeterRegistry meters) {
        this.verifier = verifier;
        this.installs = installs;
        this.dedup = dedup;
        this.botEvents = botEvents;
        this.meters = meters;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RunOnVirtualThread
    public Map<String, String> receive(@RestHeader("Content-Type") String contentType, byte[] body) {
        FormData form = FormBodies.parse(contentType, body);
        if (form.isEmpty()) {
            throw RequestRejected.badRequest("The event body is empty.");
        }
        String event = form.text("event");
        if (event == null || event.isBlank()) {
            throw RequestRejected.badRequest("The event has no 'event' field.");
        }
        event = event.trim().toUpperCase(Locale.ROOT);
        String memberId = form.text("auth", "member_id");
        if (memberId == null || !FrameRequest.MEMBER_ID.matcher(memberId).matches()) {
            throw RequestRejected.badRequest("The event has no valid auth[member_id].");
        }
        try (PortalLogContext log = PortalLogContext.of(memberId)) {
            return handle(event, memberId, form);
        }
    }

    private Map<String, String> handle(String event, String memberId, FormData form) {
        if ("ONAPPINSTALL".equals(event)) {
            installs.installFromEvent(form);
            return accepted();
        }
        verifier.verify(event, memberId, form.text("auth", "application_token"));
        if (BotEvents.isBotEvent(event)) {
            Map<String, Object> data = EventPayloads.withoutSecrets(form.group("data").asMap());
            if (!dedup.firstDelivery(memberId, event, data)) {
                LOG.debugf("Duplicate %s for portal %s ignored", event, memberId);
                meters.counter("b24.events", "kind", "duplicate").increment();
                return Map.of("result", "duplicate");
            }
            botEvents.accept(memberId, event, data);
            meters.counter("b24.events", "kind", "bot").increment();
            return accepted();
        }
        switch (event) {
            case "ONAPPUPDATE" -> installs.applyUpdate(memberId, form);
            case "ONAPPUNINSTALL" -> installs.uninstall(memberId, "1".equals(form.text("data", "CLEAN")));
            default -> {
                LOG.debugf("Ignored event %s for portal %s", event, memberId);
                meters.counter("b24.events", "kind", "ignored").increment();
                return Map.of("result", "ignored");
            }
        }
        meters.counter("b24.events", "kind", "lifecycle").increment();
        return accepted();
    }

    private static Map<String, String> accepted() {
        return Map.of("result", "ok");
    }
}
