package io.b24bots.web;

import java.util.List;
import java.util.Optional;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The address of the client being served, for per-client limits: the connection's peer, or, when that
 * peer is one of {@code quarkus.http.proxy.trusted-proxies} and {@code proxy-address-forwarding} is on,
 * the address its {@code X-Forwarded-For} chain names ({@link TrustedProxies}). A client can then
 * neither hide behind the proxy's address nor pick an address of its own by writing the header itself.
 */
@ApplicationScoped
public class ClientAddress {

    private static final Logger LOG = Logger.getLogger(ClientAddress.class);

    private final CurrentVertxRequest request;
    private final TrustedProxies proxies;

    ClientAddress(CurrentVertxRequest request,
            @ConfigProperty(name = "quarkus.http.proxy.proxy-address-forwarding", defaultValue = "false") boolean forwarding,
            @ConfigProperty(name = "quarkus.http.proxy.trusted-proxies") Optional<List<String>> trusted) {
        this.request = request;
        this.proxies = forwarding ? TrustedProxies.parse(trusted.orElse(List.of())) : TrustedProxies.none();
        if (forwarding && proxies.isEmpty()) {
            LOG.warn("quarkus.http.proxy.proxy-address-forwarding is on but quarkus.http.proxy.trusted-proxies is empty: "
                    + "per-client limits use the connection's address, never X-Forwarded-For");
        }
    }

    /** The client's IP address; {@code "internal"} outside an HTTP request (a job). */
    public String current() {
        try {
            RoutingContext context = request.getCurrent();
            if (context == null) {
                return "internal";
            }
            HttpServerRequest served = context.request();
            // The connection's own peer: Quarkus may already have replaced the request's remote
            // address with the leftmost X-Forwarded-For hop, which the client itself wrote.
            var peer = served.connection() == null ? served.remoteAddress() : served.connection().remoteAddress();
            if (peer == null) {
                return "internal";
            }
            return proxies.client(peer.hostAddress(), served.headers().getAll("X-Forwarded-For"));
        } catch (RuntimeException e) {
            return "internal";
        }
    }
}
