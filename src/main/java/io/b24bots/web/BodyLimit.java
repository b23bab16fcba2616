package io.b24bots.web;

import java.util.Map;

import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses a body declared larger than 512 KB before reading any of it, with the same clear answer
 * as every other error. Bodies sent without a length are cut by Quarkus's own limit
 * ({@code quarkus.http.limits.max-body-size}), which also answers 413.
 */
@ApplicationScoped
public class BodyLimit {

    static final long MAX_BYTES = 512 * 1024;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            if (length != null && tooLarge(length)) {
                String path = context.request().path();
                boolean page = path.startsWith("/b24/") && !path.startsWith("/b24/events");
                context.response().setStatusCode(413).putHeader("Connection", "close");
                if (page) {
                    context.response().putHeader("Content-Type", "text/html;charset=UTF-8")
                            .end("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Request too large</title>"
                                    + "<link rel=\"stylesheet\" href=\"/admin/admin.css\"></head><body><main class=\"panel panel-narrow\" role=\"alert\">"
                                    + "<h1>Request too large</h1><p>The request body is over 512 KB.</p></main></body></html>");
                } else {
                    context.response().putHeader("Content-Type", "application/json")
                            .end(Json.encode(Map.of("error", "payload_too_large",
                                    "error_description", "The request body is over 512 KB.")));
                }
                return;
            }
            context.next();
        });
    }

    private static boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
