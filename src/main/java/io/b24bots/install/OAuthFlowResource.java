package io.b24bots.install;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import io.b24bots.config.B24Config;
import io.b24bots.oauth.TrustedOAuthServers;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStore;
import io.b24bots.support.MemberIds;
import io.b24bots.support.PortalLogContext;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.PageLanguage;
import io.b24bots.web.Refusal;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

/** The OAuth authorization-code flow, for a person who authorises the app from outside the iframe. */
@Path("/b24/oauth")
public class OAuthFlowResource {

    private static final Logger LOG = Logger.getLogger(OAuthFlowResource.class);

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance authorized(String domain, boolean hasApplicationToken, String lang);
    }

    private final OAuthState states;
    private final InstallService installs;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final InstallConfig install;
    private final PortalStore portals;

    OAuthFlowResource(OAuthState states, InstallService installs, TrustedOAuthServers servers, B24Config config,
            InstallConfig install, PortalStore portals) {
        this.states = states;
        this.installs = installs;
        this.servers = servers;
        this.config = config;
        this.install = install;
        this.portals = portals;
    }

    @GET
    @Path("/start")
    @RunOnVirtualThread
    public Response start(@RestQuery String domain) {
        if (domain == null || !FrameRequest.HOST.matcher(domain.trim()).matches()) {
            throw Refusal.invalid("Give your portal's address as ?domain=yourcompany.bitrix24.com "
                    + "(a host name, optionally with a port).");
        }
        String host = domain.trim().toLowerCase(Locale.ROOT);
        if (!isBitrix24Portal(host)) {
            LOG.infof("OAuth start refused for a domain that is not a Bitrix24 portal");
            throw Refusal.invalid("This is not the address of a Bitrix24 portal this app knows. "
                    + "Give your portal's address, e.g. ?domain=yourcompany.bitrix24.com.");
        }
        String location = "https://" + host + "/oauth/authorize/?client_id=" + encode(config.clientId())
                + "&state=" + encode(states.issue(host));
        return Response.status(302).location(URI.create(location)).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/callback")
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response callback(@RestQuery String code, @RestQuery String state, @RestQuery String domain,
            @RestQuery("member_id") String memberId, @RestQuery("server_domain") String serverDomain,
            @RestQuery("LANG") String lang, @RestHeader("Accept-Language") String acceptLanguage) {
        if (state == null || state.isBlank()) {
            throw Refusal.invalid("The authorization answer has no state. Start again from the app.");
        }
        if (memberId != null && !MemberIds.valid(memberId)) {
            throw Refusal.invalid("member_id is not a valid Bitrix24 member id.");
        }
        String stateDomain = states.verify(state).orElseThrow(() -> Refusal.invalid(
                "The authorization state is invalid or expired. Start the authorization again."));
        if (domain != null && !stateDomain.equalsIgnoreCase(domain.trim())) {
            LOG.warnf("OAuth callback for %s carried a state issued for another portal", memberId);
            throw Refusal.invalid("The authorization state was issued for another portal.");
        }
        if (code == null || code.isBlank()) {
            throw Refusal.invalid("The authorization answer has no code.");
        }
        String server = servers.forServerDomain(serverDomain).orElseThrow(() -> {
            LOG.warnf("OAuth callback named an untrusted OAuth server");
            return Refusal.unverified("The authorization names an OAuth server this service does not trust.");
        });
        Portal portal;
        try (PortalLogContext log = PortalLogContext.of(memberId)) {
            portal = installs.installFromCode(server, code, memberId, stateDomain);
        }
        // Bitrix24's redirect names no language: the browser's preference decides, unless LANG is given.
        String pageLang = PageLanguage.of(lang, acceptLanguage);
        TemplateInstance page = Templates.authorized(portal.domain, portal.hasApplicationToken(), pageLang)
                .setLocale(PageLanguage.locale(pageLang));
        return Response.ok(page)
                .type("text/html;charset=UTF-8")
                .header("Cache-Control", "no-store")
                .build();
    }

    /**
     * A Bitrix24 cloud portal by its domain, or a portal installed here already (on-premise ones
     * have their own domains): the redirect must not turn this service into an open redirector.
     */
    private boolean isBitrix24Portal(String host) {
        int colon = host.lastIndexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        for (String suffix : install.portalDomains().orElse(List.of())) {
            String normalized = suffix.trim().toLowerCase(Locale.ROOT);
            if (!normalized.isEmpty() && name.endsWith("." + normalized)) {
                return true;
            }
        }
        return portals.isInstalledDomain(host);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
