package io.b24bots.oauth;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.b24bots.config.B24Config;
import io.b24bots.outbound.OutboundAddresses;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

/**
 * The OAuth servers this service believes ({@code b24.oauth.url} first, then
 * {@code b24.oauth.extra-urls}). Requests only ever name a server; it is used when it is one of
 * these, so a forged {@code SERVER_ENDPOINT} never receives a token or the client secret.
 */
@Startup
@Singleton
public class TrustedOAuthServers {

    private final List<String> bases = new ArrayList<>();

    public TrustedOAuthServers(B24Config config) {
        add(config.oauth().url(), "b24.oauth.url", config.allowHttp());
        for (String extra : config.oauth().extraUrls().orElse(List.of())) {
            if (!extra.isBlank()) {
                add(extra, "b24.oauth.extra-urls", config.allowHttp());
            }
        }
    }

    private void add(String url, String property, boolean allowHttp) {
        String base = normalize(url);
        URI uri;
        try {
            uri = URI.create(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid " + property + ": '" + url + "' is not a URL");
        }
        if (uri.getHost() == null || !OutboundAddresses.secureScheme(base, allowHttp)) {
            throw new IllegalStateException("Invalid " + property + ": '" + url + "' must be an https:// URL"
                    + (allowHttp ? " or http:// URL" : " (http:// only with b24.allow-http=true)"));
        }
        if (!bases.contains(base)) {
            bases.add(base);
        }
    }

    /** The server to use by default, when a request names none. */
    public String primary() {
        return bases.get(0);
    }

    public boolean isTrusted(String base) {
        return base != null && bases.contains(normalize(base));
    }

    /**
     * Resolves a {@code server_endpoint} claim ({@code https://oauth.bitrix.info/rest/}) to a trusted
     * base URL. Blank means the primary server; an unknown server is empty.
     */
    public Optional<String> forServerEndpoint(String serverEndpoint) {
        if (serverEndpoint == null || serverEndpoint.isBlank()) {
            return Optional.of(primary());
        }
        String claimed = normalize(serverEndpoint);
        if (claimed.endsWith("/rest")) {
            claimed = claimed.substring(0, claimed.length() - "/rest".length());
        }
        return bases.contains(claimed) ? Optional.of(claimed) : Optional.empty();
    }

    /** Resolves the {@code server_domain} of an OAuth redirect ({@code oauth.bitrix.info}). */
    public Optional<String> forServerDomain(String serverDomain) {
        if (serverDomain == null || serverDomain.isBlank()) {
            return Optional.of(primary());
        }
        String host = serverDomain.trim().toLowerCase(Locale.ROOT);
        for (String base : bases) {
            if (host.equals(OutboundAddresses.authority(base))) {
                return Optional.of(base);
            }
        }
        return Optional.empty();
    }

    static String normalize(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        int scheme = trimmed.indexOf("://");
        if (scheme < 0) {
            return trimmed;
        }
        int pathStart = trimmed.indexOf('/', scheme + 3);
        String origin = pathStart < 0 ? trimmed : trimmed.substring(0, pathStart);
        String path = pathStart < 0 ? "" : trimmed.substring(pathStart);
        return origin.toLowerCase(Locale.ROOT) + path;
    }
}
