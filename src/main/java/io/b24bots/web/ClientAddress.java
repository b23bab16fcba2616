package io.b24bots.web;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The address of the client being served, for per-client limits. Behind a proxy it is the
 * forwarded address only when {@code quarkus.http.proxy.proxy-address-forwarding} is on (README).
 */
@ApplicationScoped
public class ClientAddress {

    private final CurrentVertxRequest request;

    ClientAddress(CurrentVertxRequest request) {
        this.request = request;
    }

    /** The client's IP address; {@code "internal"} outside an HTTP request (a job). */
    public String current() {
        try {
            RoutingContext context = request.getCurrent();
            if (context == null || context.request().remoteAddress() == null) {
                return "internal";
            }
            return context.request().remoteAddress().hostAddress();
        } catch (RuntimeException e) {
            return "internal";
        }
    }
}
