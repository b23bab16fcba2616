package io.b24bots.events;

import java.util.Locale;

import io.b24bots.bot.messaging.BotEventQueue;
import io.b24bots.install.InstallService;
import io.b24bots.portal.PortalStore;
import io.b24bots.support.CounterFamily;
import io.b24bots.support.PortalLogContext;
import io.b24bots.web.FormBodies;
import io.b24bots.web.FormData;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.Refusal;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestHeader;

/**
 * The one URL Bitrix24 posts events to: parse, check the application token, prove the event the
 * way its type allows (docs/SECURITY.md), then hand it to the feature that owns it.
 */
@Path("/b24/events")
public class EventsResource {

    private static final Logger LOG = Logger.getLogger(EventsResource.class);

    private final EventVerifier verifier;
    private final BotEventProof botProof;
    private final InstallService installs;
    private final BotEventIntake botEvents;
    private final EventRefusals refusals;
    private final CounterFamily events;
    private final UnprovenDeletions deletions;
    private final BotEventQueue queue;
    private final IntakeMemory memory;
    @Inject
    PortalStore portals;

    EventsResource(EventVerifier verifier, BotEventProof botProof, InstallService installs, BotEventIntake botEvents,
            EventRefusals refusals, MeterRegistry meters, UnprovenDeletions deletions, BotEventQueue queue,
            IntakeMemory memory) {
        this.memory = memory;
        this.deletions = deletions;
        this.queue = queue;
        this.refusals = refusals;
        this.verifier = verifier;
        this.botProof = botProof;
        this.installs = installs;
        this.botEvents = botEvents;
        this.events = new CounterFamily(meters, "b24.events", "kind");
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RunOnVirtualThread
    public EventAnswer receive(@RestHeader("Content-Type") String contentType, byte[] body) {
        FormData form = FormBodies.parse(contentType, body);
        if (form.isEmpty()) {
            throw Refusal.invalid("The event body is empty.");
        }
        String event = form.text("event");
        if (event == null || event.isBlank()) {
            throw Refusal.invalid("The event has no 'event' field.");
        }
        event = event.trim().toUpperCase(Locale.ROOT);
        if (!EventNames.known(event)) {
            // Nothing acts on it, so nothing is verified, stored or queued.
            events.increment("ignored");
            return EventAnswer.IGNORED;
        }
        String memberId = memberId(form);
        if (memberId == null || !FrameRequest.MEMBER_ID.matcher(memberId).matches()) {
            throw Refusal.invalid("The event has no valid auth[member_id].");
        }
        long held = IntakeMemory.cost(body.length);
        if (!memory.tryHoldFor(memberId, held)) {
            throw Refusal.unavailable("This portal's events already hold half of what this replica may hold; this one"
                    + " was not stored. Send it again later.");
        }
        try (PortalLogContext log = PortalLogContext.of(memberId)) {
            return handle(event, memberId, form);
        } finally {
            memory.releaseFor(memberId, held);
        }
    }

    /**
     * v2 webhook events may carry the portal's member id only inside {@code data[bot][auth]}, or not
     * at all: the top-level {@code auth} then holds just the domain and the application token, and
     * the portal is the one stored for that domain. Whichever names it, the top-level application
     * token must then match that portal's.
     */
    private String memberId(FormData form) {
        String top = form.text("auth", "member_id");
        if (top != null) {
            return top;
        }
        String inside = form.text("data", "bot", "auth", "member_id");
        if (inside != null) {
            return inside;
        }
        String domain = form.text("auth", "domain");
        if (domain == null || domain.isBlank() || domain.length() > 255) {
            return null;
        }
        return portals.activeMemberIdForDomain(domain.trim().toLowerCase(Locale.ROOT)).orElse(null);
    }

    private EventAnswer handle(String event, String memberId, FormData form) {
        if ("ONAPPINSTALL".equals(event)) {
            installs.installFromEvent(form);
            return accepted();
        }
        if ("ONAPPUPDATE".equals(event)) {
            boolean knownToken = verifier.verifyUpdate(event, memberId, form.text("auth", "application_token"));
            installs.applyUpdate(memberId, form, knownToken);
            events.increment("lifecycle");
            return accepted();
        }
        verifier.verify(event, memberId, form.text("auth", "application_token"));
        if (EventNames.isBotDeletion(event)) {
            return deletions.accept(event, memberId, form);
        }
        if (EventNames.isBotEvent(event)) {
            if (!queue.forOurBot(memberId, event, EventBots.of(event, form))) {
                // Not a bot of ours, a fetch-mode bot's webhook copy or another API's format: nothing to prove or store.
                events.increment("ignored");
                return EventAnswer.IGNORED;
            }
            botProof.prove(event, memberId, form);
            return switch (botEvents.accept(memberId, event, form.group("data").asMap())) {
                case QUEUED -> {
                    events.increment("bot");
                    yield accepted();
                }
                case DUPLICATE -> {
                    LOG.debugf("Duplicate %s for portal %s ignored", event, memberId);
                    events.increment("duplicate");
                    yield EventAnswer.DUPLICATE;
                }
                case PORTAL_FULL -> throw refusals.refuse(event, memberId, "portal_full", Refusal.Kind.TOO_MANY,
                        "This portal has too many events waiting to be handled; new ones are refused until they are.");
                // Uninstalled a moment ago, perhaps on another replica that this one has not heard from yet.
                case NOT_INSTALLED -> throw refusals.refuse(event, memberId, "uninstalled",
                        "The app is not installed on this portal; only a reinstall is accepted.");
            };
        }
        installs.requestUninstall(memberId, "1".equals(form.text("data", "CLEAN")));
        events.increment("lifecycle");
        return accepted();
    }

    private static EventAnswer accepted() {
        return EventAnswer.OK;
    }
}
