package io.b24bots.web;

import java.nio.channels.ClosedChannelException;
import java.util.Map;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into a clear answer: JSON {@code {"error", "error_description"}} on API
 * paths, a readable page on the paths a person or the Bitrix24 iframe sees. Never a stack trace.
 */
public class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);

    private final MeterRegistry meters;

    ErrorResponses(MeterRegistry meters) {
        this.meters = meters;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance error(int status, String title, String message);
    }

    @ServerExceptionMapper
    public Response rejected(RequestRejected e, HttpServerRequest request) {
        return respond(request, e.status(), e.code(), e.description());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(request, 500, "internal_error", "The service failed to handle this request.");
        }
        String description = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed here.";
            case 406 -> "The requested media type is not available.";
            case 413 -> "The request body is too large.";
            case 415 -> "This content type is not accepted here.";
            default -> "The request was not understood.";
        };
        return respond(request, status, codeFor(status), description);
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, HttpServerRequest request) {
        if (isClientHangUp(e)) {
            // Nothing is wrong on our side and nobody is left to answer.
            meters.counter("b24.http.client.hangups").increment();
            LOG.debugf("Client closed the connection during %s %s", request.method(), request.path());
            return Response.status(400).build();
        }
        if (DatabaseFailures.isUnavailable(e)) {
            // Bitrix24 sends an event once; a clear 503 at least shows up in its delivery log.
            LOG.warnf("Database unavailable on %s %s: %s", request.method(), request.path(), DatabaseFailures.describe(e));
            Response response = respond(request, 503, "temporarily_unavailable",
                    "The service is temporarily unavailable. Please try again in a moment.");
            response.getHeaders().add("Retry-After", "5");
            return response;
        }
        // Log the type and stack for operators; messages of our exceptions never hold secrets.
        LOG.errorf(e, "Unexpected failure on %s %s", request.method(), request.path());
        return respond(request, 500, "internal_error", "The service failed to handle this request.");
    }

    private static boolean isClientHangUp(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof HttpClosedException || cause instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    static Response respond(HttpServerRequest request, int status, String code, String description) {
        String path = request.path();
        if (path.startsWith("/b24/") && !path.startsWith("/b24/events")) {
            String origin = FramePolicy.claimedOrigin(request.getParam("DOMAIN"), request.getParam("PROTOCOL"));
            return FramePolicy.html(status, Templates.error(status, titleFor(status), description), origin).build();
        }
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "error_description", description))
                .build();
    }

    private static String codeFor(int status) {
        return switch (status) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> "invalid_request";
        };
    }

    private static String titleFor(int status) {
        return switch (status) {
            case 400 -> "The request is incomplete or malformed";
            case 401 -> "We could not verify this request";
            case 403 -> "Only a portal administrator can do this";
            case 404 -> "Not found";
            case 503 -> "Temporarily unavailable";
            default -> status >= 500 ? "Something went wrong" : "The request was refused";
        };
    }
}
