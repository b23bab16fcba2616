package io.b24bots.admin;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.b24bots.admin.AdminPage.Action;
import io.b24bots.admin.AdminSession.Session;
import io.b24bots.support.PortalLogContext;
import io.b24bots.web.FormBodies;
import io.b24bots.web.FormData;
import io.b24bots.web.ErrorPageOrigins;
import io.b24bots.web.FramePolicy;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.Refusal;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The app's main page inside the Bitrix24 iframe: the portal's bots and what an admin can do about them. */
@Path("/b24/app")
public class AppResource {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(PageView view);

        static native TemplateInstance denied(AdminDenied.Reason reason, String lang);
    }

    private final AdminPage page;
    private final ErrorPageOrigins origins;

    AppResource(AdminPage page, ErrorPageOrigins origins) {
        this.page = page;
        this.origins = origins;
    }

    /**
     * Bitrix24 opens the app: frame fields in the query and the form body. The page itself posts here
     * too, with only its session, to be shown again (a reload, after an action): the session travels in
     * request bodies, never in a URL a proxy would log.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response open(@Context UriInfo uri, @RestHeader("Content-Type") String contentType, byte[] body) {
        FormData form = FormBodies.parse(contentType, body);
        if (form.text("session") != null && form.text("AUTH_ID") == null) {
            Session session = page.resume(form.text("session"), uri.getQueryParameters().getFirst("LANG"));
            return render(session, form.text("session"), "true".equals(form.text("queued")));
        }
        FrameRequest frame = FrameRequest.from(uri.getQueryParameters(), form);
        try (PortalLogContext log = PortalLogContext.of(frame.memberId())) {
            AdminPage.Opened opened = page.open(frame);
            return render(opened.session(), opened.token(), false);
        }
    }

    /**
     * A reload of the page. Its session comes in the URL's fragment, which no server or proxy sees: the
     * answer is the "open from your portal" page, whose script posts the fragment's session back here.
     * A session in the query string is still taken, as earlier pages sent it.
     */
    @GET
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response reload(@RestQuery String session, @RestQuery("LANG") String lang, @RestQuery boolean queued) {
        if (session == null) {
            throw new AdminDenied(AdminDenied.Reason.UNVERIFIED, AdminPage.language(lang));
        }
        Session verified = page.resume(session, lang);
        return render(verified, session, queued);
    }

    /**
     * An admin's action; answered with a redirect to the page, so a reload does not repeat it. The
     * session goes with the redirect in the fragment only, and the portal's domain in the query, so the
     * page that resumes it may be framed by the portal.
     */
    @POST
    @Path("/actions/{action}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response act(@RestPath String action, @RestHeader("Content-Type") String contentType, byte[] body) {
        FormData form = FormBodies.parse(contentType, body);
        Session session = page.resume(form.text("session"), null);
        Action parsed;
        try {
            parsed = Action.valueOf(action.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Refusal.notFound("No such action.");
        }
        Long rowId = parseRow(form.text("bot"));
        Map<String, String> values = new LinkedHashMap<>();
        form.group("setting").asMap().forEach((key, value) -> {
            if (!(value instanceof String text)) {
                throw Refusal.invalid("A setting is one value.");
            }
            values.put(key, text);
        });
        try (PortalLogContext log = PortalLogContext.of(session.memberId())) {
            page.act(session, parsed, rowId, values);
        }
        // Settings are stored at once; every other action is queued work the page then shows in progress.
        return Response.seeOther(URI.create(page.reloadUrl(session, form.text("session"), parsed != Action.SETTINGS)))
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }

    @ServerExceptionMapper
    public Response denied(AdminDenied e, @Context UriInfo uri) {
        String origin = origins.of(uri.getQueryParameters().getFirst("DOMAIN"), uri.getQueryParameters().getFirst("PROTOCOL"));
        TemplateInstance body = Templates.denied(e.reason(), e.lang()).setLocale(Locale.forLanguageTag(e.lang()));
        return FramePolicy.html(e.kind().status(), body, origin).build();
    }

    private Response render(Session session, String token, boolean queued) {
        PageView view = page.view(session, token, queued);
        TemplateInstance body = Templates.page(view).setLocale(Locale.forLanguageTag(session.lang()));
        return FramePolicy.html(200, body, view.frameOrigin()).build();
    }

    private static Long parseRow(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw Refusal.invalid("The action names no valid bot.");
        }
    }
}
