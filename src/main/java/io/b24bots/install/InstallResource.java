package io.b24bots.install;

import io.b24bots.portal.Portal;
import io.b24bots.support.PortalLogContext;
import io.b24bots.web.FormBodies;
import io.b24bots.web.FramePolicy;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.PageLanguage;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestHeader;

/** The install page Bitrix24 opens in its iframe when an admin installs the app, in the portal's language ({@code LANG}). */
@Path("/b24/install")
public class InstallResource {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance installed(String domain, String lang);
    }

    private final InstallService installs;

    InstallResource(InstallService installs) {
        this.installs = installs;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response install(@Context UriInfo uri, @RestHeader("Content-Type") String contentType, byte[] body) {
        FrameRequest frame = FrameRequest.from(uri.getQueryParameters(), FormBodies.parse(contentType, body));
        try (PortalLogContext log = PortalLogContext.of(frame.memberId())) {
            Portal portal = installs.installFromFrame(frame);
            String lang = PageLanguage.of(frame.lang());
            TemplateInstance page = Templates.installed(portal.domain, lang).setLocale(PageLanguage.locale(lang));
            return FramePolicy.html(200, page, FramePolicy.origin(portal.domain, frame.https())).build();
        }
    }
}
