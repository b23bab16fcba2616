package io.b24bots.web;

import java.util.Map;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses a body declared larger than 512 KB before reading any of it, with the same clear answer
 * (and the same error page) as every other error. Bodies sent without a length are cut by Quarkus's
 * own limit ({@code quarkus.http.limits.max-body-size}), which also answers 413.
 */
@ApplicationScoped
public class BodyLimit {

    static final long MAX_BYTES = 512 * 1024;
    static final String DESCRIPTION = "The request body is over 512 KB.";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            if (length != null && tooLarge(length)) {
                context.response().setStatusCode(413).putHeader("Connection", "close");
                if (ErrorResponses.isPage(context.request().path())) {
                    String origin = FramePolicy.claimedOrigin(context.request().getParam("DOMAIN"),
                            context.request().getParam("PROTOCOL"));
                    context.response().putHeader("Content-Type", "text/html;charset=UTF-8")
                            .putHeader("Content-Security-Policy", FramePolicy.frameAncestors(origin))
                            .end(ErrorResponses.page(context.request(), 413, DESCRIPTION).render());
                } else {
                    context.response().putHeader("Content-Type", "application/json")
                            .end(Json.encode(Map.of("error", "payload_too_large", "error_description", DESCRIPTION)));
                }
                return;
            }
            context.next();
        });
    }

    static boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
