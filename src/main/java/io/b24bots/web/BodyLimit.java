package io.b24bots.web;

import java.util.Map;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body declared larger than {@code quarkus.http.limits.max-body-size} (512 KB) before
 * reading any of it, with the same clear answer (and the same error page) as every other error.
 * Bodies sent without a length are cut by Quarkus itself at the same limit, which also answers 413.
 */
@ApplicationScoped
public class BodyLimit {

    private final long maxBytes;
    private final String description;
    private final ErrorPageOrigins origins;

    BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize, ErrorPageOrigins origins) {
        this.origins = origins;
        this.maxBytes = maxBodySize.asLongValue();
        this.description = "The request body is over " + maxBytes / 1024 + " KB.";
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            if (length != null && tooLarge(length, maxBytes)) {
                refuse(context);
                return;
            }
            context.next();
        });
    }

    /** The most a request body may hold, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Answers 413 for a body over the limit, for a handler that reads bodies itself. */
    public void refuse(RoutingContext context) {
        closeAfter(context);
        context.response().setStatusCode(413);
        if (ErrorResponses.isPage(context.request().path())) {
            String origin = origins.of(context.request().getParam("DOMAIN"), context.request().getParam("PROTOCOL"));
            context.response().putHeader("Content-Type", "text/html;charset=UTF-8")
                    .putHeader("Content-Security-Policy", FramePolicy.frameAncestors(origin))
                    .end(ErrorResponses.page(context.request(), 413, description).render());
        } else {
            context.response().putHeader("Content-Type", "application/json")
                    .end(Json.encode(Map.of("error", "payload_too_large", "error_description", description)));
        }
    }

    /**
     * Closes an HTTP/1.1 connection after the answer to a request whose body is left unread. Not HTTP/2, where
     * a {@code Connection} header is malformed (clients drop the answer) and the connection carries other
     * requests: there the stream alone ends.
     */
    public static void closeAfter(RoutingContext context) {
        if (context.request().version() != HttpVersion.HTTP_2) {
            context.response().putHeader("Connection", "close");
        }
    }

    static boolean tooLarge(String length, long maxBytes) {
        try {
            return Long.parseLong(length.trim()) > maxBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
