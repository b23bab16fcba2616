package io.b24bots.web;

import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.Objects;

import io.quarkus.arc.Arc;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.qute.i18n.Localized;
import io.quarkus.qute.i18n.MessageBundles;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure into a clear answer: JSON {@code {"error", "error_description"}} on API
 * paths, a readable page on the paths a person or the Bitrix24 iframe sees, in the portal's language
 * ({@link PageLanguage}). Never a stack trace.
 */
public class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);

    private final MeterRegistry meters;

    ErrorResponses(MeterRegistry meters) {
        this.meters = meters;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance error(int status, String lang, String title, String message, String detail);
    }

    @ServerExceptionMapper
    public Response rejected(Refusal e, HttpServerRequest request) {
        return respond(request, e.kind().status(), e.kind().code(), e.description());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(request, 500, "internal_error", null);
        }
        return respond(request, status, codeFor(status), null);
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
            Response response = respond(request, 503, "temporarily_unavailable", null);
            response.getHeaders().add("Retry-After", "5");
            return response;
        }
        // Log the type and stack for operators; messages of our exceptions never hold secrets.
        LOG.errorf(e, "Unexpected failure on %s %s", request.method(), request.path());
        return respond(request, 500, "internal_error", null);
    }

    private static boolean isClientHangUp(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof HttpClosedException || cause instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The answer to a refused request: {@code description} says what was wrong with this one (English,
     * as API clients read it), null for the status's general text.
     */
    static Response respond(HttpServerRequest request, int status, String code, String description) {
        if (request.path().startsWith("/console")) {
            return FramePolicy.unframed(status, page(request, status, description)).build();
        }
        if (isPage(request.path())) {
            String origin = Arc.container().instance(ErrorPageOrigins.class).get().of(request.getParam("DOMAIN"),
                    request.getParam("PROTOCOL"));
            return FramePolicy.html(status, page(request, status, description), origin).build();
        }
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "error_description",
                        Objects.requireNonNullElseGet(description, () -> text(messages(PageLanguage.ENGLISH), status))))
                .build();
    }

    /** Pages are what a person or the Bitrix24 iframe sees (and the console); /b24/events and everything else answer JSON. */
    static boolean isPage(String path) {
        return path.startsWith("/b24/") && !path.startsWith("/b24/events");
    }

    /**
     * The error page in the request's language: in English the description itself; in Russian what the
     * status means and what to do, with the (English) description below it.
     */
    static TemplateInstance page(HttpServerRequest request, int status, String description) {
        String lang = PageLanguage.of(request.getParam("LANG"), request.getHeader("Accept-Language"));
        ErrorMessages msg = messages(lang);
        boolean english = PageLanguage.ENGLISH.equals(lang);
        String message = description == null ? text(msg, status) : english ? description : advice(msg, status);
        String detail = english ? null : description;
        return Templates.error(status, lang, title(msg, status), message, detail).setLocale(PageLanguage.locale(lang));
    }

    static ErrorMessages messages(String lang) {
        return MessageBundles.get(ErrorMessages.class, Localized.Literal.of(lang));
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

    /** The page title for an HTTP status. */
    private static String title(ErrorMessages msg, int status) {
        return switch (status) {
            case 400 -> msg.title400();
            case 401 -> msg.title401();
            case 403 -> msg.title403();
            case 404 -> msg.title404();
            case 413 -> msg.title413();
            case 429 -> msg.title429();
            case 503 -> msg.title503();
            default -> status >= 500 ? msg.title500() : msg.titleOther();
        };
    }

    /** What a refusal with this status means, when nothing more specific is known. */
    private static String text(ErrorMessages msg, int status) {
        return switch (status) {
            case 404 -> msg.text404();
            case 405 -> msg.text405();
            case 406 -> msg.text406();
            case 413 -> msg.text413();
            case 415 -> msg.text415();
            case 503 -> msg.text503();
            default -> status >= 500 ? msg.text500() : msg.textOther();
        };
    }

    /** What to do about a refusal with this status, above its (English) description on a Russian page. */
    private static String advice(ErrorMessages msg, int status) {
        return switch (status) {
            case 400 -> msg.advice400();
            case 401 -> msg.advice401();
            case 403 -> msg.advice403();
            case 429 -> msg.advice429();
            default -> text(msg, status);
        };
    }
}
