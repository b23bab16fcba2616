package io.b24bots.api;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.bot.imbot.MessageForm;
import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.bot.sending.BotMessenger;
import io.b24bots.bot.sending.MessengerException;
import io.b24bots.bot.sending.Receipt;
import io.b24bots.support.MemberIds;
import io.b24bots.support.TokenBuckets;
import io.b24bots.web.Refusal;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * The vendor API: the vendor's own systems make a bot write to a portal's chat. Authorised by a key
 * of {@code b24.api.keys}; the message goes through the same queue as the bots' answers.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Messages", description = "A bot writes first: queue a message, then read what became of it")
@SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A secret of B24_API_KEYS (name:secret,...)")
@SecurityRequirement(name = "apiKey")
public class MessagesResource {

    private static final Logger LOG = Logger.getLogger(MessagesResource.class);
    private static final int MAX_IDEMPOTENCY_KEY = 200;
    private static final int MAX_PAGE = 500;

    private final ApiKeys keys;
    private final BotMessenger messenger;
    private final ObjectMapper json;
    private final TokenBuckets budgets;

    MessagesResource(ApiKeys keys, BotMessenger messenger, ObjectMapper json, ApiConfig config) {
        this.keys = keys;
        this.messenger = messenger;
        this.json = json;
        int perMinute = config.messagesPerMinute();
        this.budgets = new TokenBuckets(perMinute / 60.0, perMinute, 100_000);
    }

    @POST
    @Path("/portals/{memberId}/bots/{code}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue a message a bot writes to a dialog of a portal",
            description = "Body: {\"dialogId\": \"<userId>\" or \"chat<id>\", \"text\", optional \"keyboard\" (buttons as Bitrix24's "
                    + "keyboard page describes them), \"attach\" (Bitrix24's attachment form), \"replyTo\", \"system\", \"urlPreview\"}. "
                    + "An Idempotency-Key header makes a retry return the first receipt instead of sending twice.")
    @APIResponse(responseCode = "202", description = "Queued; the receipt's id reads its state at /api/v1/messages/{id}")
    @APIResponse(responseCode = "400", description = "A bad body, naming the field")
    @APIResponse(responseCode = "401", description = "No valid key")
    @APIResponse(responseCode = "404", description = "No such portal, or no such bot in it")
    @APIResponse(responseCode = "409", description = "The portal is not active (uninstalled, or waiting for re-authorisation)")
    @APIResponse(responseCode = "429", description = "Past the portal's budget (b24.api.messages-per-minute), or its queue is full")
    public Response send(@PathParam("memberId") String memberId, @PathParam("code") String code,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @HeaderParam("Idempotency-Key") String idempotencyKey,
            JsonNode body) {
        String caller = caller(authorization);
        if (!MemberIds.valid(memberId)) {
            throw Refusal.notFound("No portal has this member_id");
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY
                || !idempotencyKey.chars().allMatch(c -> c > 32 && c < 127))) {
            throw Refusal.invalid("Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY + " printable characters");
        }
        if (!budgets.tryAcquire(memberId)) {
            throw Refusal.tooMany("This portal's bots were asked for too many messages; try again in a minute");
        }
        if (body == null || !body.path("dialogId").isTextual()) {
            throw Refusal.invalid("dialogId is required: a user id or chat<id>");
        }
        Receipt receipt;
        try {
            OutgoingMessage message = MessageForm.read(body, json);
            receipt = messenger.portal(memberId).bot(code).queue(body.get("dialogId").asText(), message, caller, idempotencyKey);
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        } catch (MessengerException e) {
            throw switch (e.reason()) {
                case UNKNOWN_PORTAL, UNKNOWN_BOT, BOT_NOT_REGISTERED -> Refusal.notFound(e.getMessage());
                case PORTAL_NOT_ACTIVE -> Refusal.conflict(e.getMessage());
                case PORTAL_BUSY -> Refusal.tooMany(e.getMessage());
            };
        }
        LOG.infof("API key %s queued message %s of bot %s for portal %s", caller, receipt.id(), code, memberId);
        return Response.accepted(ReceiptView.of(receipt)).location(URI.create("/api/v1/messages/" + receipt.id())).build();
    }

    @GET
    @Path("/messages/{id}")
    @Operation(summary = "What became of a queued message", description = "queued, sent (with Bitrix24's messageId) or failed "
            + "(with the error); only the key that queued it may read it")
    @APIResponse(responseCode = "200", description = "The receipt")
    @APIResponse(responseCode = "401", description = "No valid key")
    @APIResponse(responseCode = "404", description = "No such message for this key (or older than b24.jobs.retention)")
    public ReceiptView receipt(@PathParam("id") String id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String caller = caller(authorization);
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Refusal.notFound("No such message");
        }
        return messenger.receipt(uuid, caller).map(ReceiptView::of).orElseThrow(() -> Refusal.notFound("No such message"));
    }

    @GET
    @Path("/bots/{code}/portals")
    @Operation(summary = "The active portals a bot can write to", description = "Ordered by member_id, a page at a time: "
            + "pass the answer's next as after for the next page; next is null on the last one")
    @APIResponse(responseCode = "200", description = "{\"portals\": [{\"memberId\", \"domain\"}], \"next\"}")
    @APIResponse(responseCode = "400", description = "A bad limit or after")
    @APIResponse(responseCode = "401", description = "No valid key")
    @APIResponse(responseCode = "404", description = "No bot with this code is declared")
    public PortalsView portals(@PathParam("code") String code, @QueryParam("after") String after,
            @QueryParam("limit") @DefaultValue("100") int limit, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        caller(authorization);
        if (limit < 1 || limit > MAX_PAGE) {
            throw Refusal.invalid("limit must be 1 to " + MAX_PAGE);
        }
        if (after != null && !MemberIds.valid(after)) {
            throw Refusal.invalid("after must be a member_id from a previous page");
        }
        try {
            BotMessenger.PortalPage page = messenger.portalsOf(code, after, limit);
            return new PortalsView(page.portals().stream().map(p -> new PortalsView.Entry(p.memberId(), p.domain())).toList(),
                    page.next());
        } catch (MessengerException e) {
            throw Refusal.notFound(e.getMessage());
        }
    }

    /** A page of portals as the API shows it. */
    public record PortalsView(List<Entry> portals, String next) {
        public record Entry(String memberId, String domain) {
        }
    }

    private String caller(String authorization) {
        return keys.caller(authorization).orElseThrow(() -> Refusal.unverified(keys.none()
                ? "The API has no keys configured (b24.api.keys); it refuses every call"
                : "Send Authorization: Bearer <secret> with a key of b24.api.keys"));
    }
}
