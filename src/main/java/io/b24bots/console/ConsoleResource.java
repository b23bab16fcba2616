package io.b24bots.console;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.b24bots.console.ConsoleViews.Frame;
import io.b24bots.jobs.QueueInspection.Filter;
import io.b24bots.web.Refusal;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * The operator console: the vendor's view of every portal, the queue and the rollout (docs/CONSOLE.md).
 * Only operators get in (the HTTP policy in application.properties, and the role here again); every
 * action is a POST with the form's CSRF token, answered 303 back to its page, and audited.
 */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed("${b24.console.operator-role}")
@RunOnVirtualThread
public class ConsoleResource {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance overview(ConsoleViews.Overview view);

        static native TemplateInstance portals(ConsoleViews.Portals view);

        static native TemplateInstance portal(ConsoleViews.PortalPage view);

        static native TemplateInstance queue(ConsoleViews.Queue view);

        static native TemplateInstance rollout(ConsoleViews.Rollout view);

        static native TemplateInstance audit(ConsoleViews.Audit view);

        static native TemplateInstance login(ConsoleViews.Login view);
    }

    /** What an action's answer says on the page it returns to; the query names one of these, never free text. */
    private static final Map<String, String> NOTICES = Map.ofEntries(
            Map.entry("retried", "%s failed job(s) queued again."),
            Map.entry("discarded", "%s failed job(s) discarded."),
            Map.entry("reregistering", "The portal's bots are being brought in step with the declaration."),
            Map.entry("paused", "The portal is paused: its jobs wait, its events are still stored."),
            Map.entry("resumed", "The portal is resumed: its waiting jobs run again."),
            Map.entry("rollout-paused", "The rollout is paused: no more portals are queued until it is resumed."),
            Map.entry("rollout-resumed", "The rollout is resumed."),
            Map.entry("unchanged", "Nothing to change."));

    /** Pages beyond this are not served: an offset that deep is a search that should be narrowed. */
    private static final int MAX_PAGE = 200;

    private final SecurityIdentity identity;
    private final ConsolePages pages;
    private final ConsoleActions actions;
    private final ConsoleCsrf csrf;
    private final OperatorAccounts accounts;
    private final ConsoleConfig config;

    ConsoleResource(SecurityIdentity identity, ConsolePages pages, ConsoleActions actions, ConsoleCsrf csrf,
            OperatorAccounts accounts, ConsoleConfig config) {
        this.identity = identity;
        this.pages = pages;
        this.actions = actions;
        this.csrf = csrf;
        this.accounts = accounts;
        this.config = config;
    }

    @GET
    public TemplateInstance overview(@RestQuery String done, @RestQuery String n) {
        return Templates.overview(pages.overview(frame("overview", done, n)));
    }

    @GET
    @Path("login")
    @PermitAll
    public TemplateInstance login(@RestQuery String error) {
        return Templates.login(new ConsoleViews.Login(error != null, accounts.any(), "code".equals(config.authMechanism())));
    }

    @POST
    @Path("logout")
    public Response logout() {
        // The login cookies are sealed, not stored: forgetting them is signing out on this browser.
        return Response.seeOther(URI.create("/console/login"))
                .cookie(expired("quarkus-credential", "/console"), expired("q_session", "/"))
                .build();
    }

    @GET
    @Path("portals")
    public TemplateInstance portals(@RestQuery String q, @RestQuery String status, @RestQuery String code,
            @RestQuery String page) {
        return Templates.portals(pages.portals(frame("portals", null, null), q, status, code, page(page)));
    }

    @GET
    @Path("portals/{memberId}")
    public TemplateInstance portal(@RestPath String memberId, @RestQuery String done, @RestQuery String n) {
        return Templates.portal(pages.portal(frame("portals", done, n), memberId(memberId)));
    }

    @POST
    @Path("portals/{memberId}/{action}")
    public Response portalAction(@RestPath String memberId, @RestPath String action, @RestForm("csrf") String token) {
        String operator = operator();
        csrf.check(operator, token);
        String member = memberId(memberId);
        String done = switch (action) {
            case "retry-failed" -> "retried&n=" + actions.retryPortalFailures(operator, member);
            case "reregister" -> {
                actions.reregisterBots(operator, member);
                yield "reregistering";
            }
            case "pause" -> actions.pausePortal(operator, member) ? "paused" : "unchanged";
            case "resume" -> actions.resumePortal(operator, member) ? "resumed" : "unchanged";
            default -> throw Refusal.notFound("No such action.");
        };
        return back("/console/portals/" + member + "?done=" + done);
    }

    @GET
    @Path("queue")
    public TemplateInstance queue(@RestQuery String set, @RestQuery String kind, @RestQuery String code,
            @RestQuery String page, @RestQuery String done, @RestQuery String n) {
        return Templates.queue(pages.queue(frame("queue", done, n), set, kind, code, page(page)));
    }

    /** Retry or discard the jobs ticked on the page ({@code id}), or with {@code all} every one the filter selects. */
    @POST
    @Path("queue/{action}")
    public Response queueAction(@RestPath String action, @RestForm("csrf") String token, @RestForm("id") List<String> ids,
            @RestForm String all, @RestForm String set, @RestForm String kind, @RestForm String code) {
        String operator = operator();
        csrf.check(operator, token);
        Filter filter = ConsolePages.filter(set, kind, code);
        List<Long> chosen = ids(ids);
        if (chosen.isEmpty() && !"true".equals(all)) {
            throw Refusal.invalid("Tick the jobs to act on, or choose every job of the filter.");
        }
        String done = switch (action) {
            case "retry" -> "retried&n=" + actions.retryJobs(operator, chosen, filter);
            case "discard" -> "discarded&n=" + actions.discardJobs(operator, chosen, filter);
            default -> throw Refusal.notFound("No such action.");
        };
        return back("/console/queue?set=failed&kind=" + (filter.kind() == null ? "" : filter.kind())
                + "&code=" + (filter.errorCode() == null ? "" : filter.errorCode()) + "&done=" + done);
    }

    @GET
    @Path("rollout")
    public TemplateInstance rollout(@RestQuery String done) {
        return Templates.rollout(pages.rollout(frame("rollout", done, null)));
    }

    @POST
    @Path("rollout/{action}")
    public Response rolloutAction(@RestPath String action, @RestForm("csrf") String token) {
        String operator = operator();
        csrf.check(operator, token);
        String done = switch (action) {
            case "pause" -> actions.pauseRollout(operator) ? "rollout-paused" : "unchanged";
            case "resume" -> actions.resumeRollout(operator) ? "rollout-resumed" : "unchanged";
            default -> throw Refusal.notFound("No such action.");
        };
        return back("/console/rollout?done=" + done);
    }

    @GET
    @Path("audit")
    public TemplateInstance audit(@RestQuery String portal, @RestQuery String page) {
        return Templates.audit(pages.audit(frame("audit", null, null), portal, page(page)));
    }

    private Frame frame(String section, String done, String n) {
        String operator = operator();
        String notice = done == null || !NOTICES.containsKey(done) ? null
                : NOTICES.get(done).formatted(n != null && n.matches("[0-9]{1,7}") ? n : "");
        return new Frame(operator, csrf.tokenFor(operator), section, notice);
    }

    private String operator() {
        return identity.getPrincipal().getName();
    }

    private static String memberId(String memberId) {
        if (memberId == null || !memberId.matches("[0-9a-f]{32}")) {
            throw Refusal.notFound("No portal with this member_id.");
        }
        return memberId;
    }

    private static int page(String page) {
        if (page == null || page.isBlank()) {
            return 0;
        }
        if (!page.matches("[0-9]{1,4}") || Integer.parseInt(page) > MAX_PAGE) {
            throw Refusal.invalid("page must be a number from 0 to " + MAX_PAGE + ": narrow the search instead.");
        }
        return Integer.parseInt(page);
    }

    private static List<Long> ids(List<String> ids) {
        List<Long> out = new ArrayList<>();
        for (String id : ids == null ? List.<String>of() : ids) {
            if (!id.matches("[0-9]{1,18}")) {
                throw Refusal.invalid("A job id is a number.");
            }
            out.add(Long.parseLong(id));
            if (out.size() > ConsoleActions.BULK_MAX) {
                throw Refusal.invalid("At most " + ConsoleActions.BULK_MAX + " jobs at once.");
            }
        }
        return out;
    }

    private static Response back(String location) {
        return Response.seeOther(URI.create(location)).build();
    }

    private static NewCookie expired(String name, String path) {
        return new NewCookie.Builder(name).value("").path(path).maxAge(0).httpOnly(true).sameSite(NewCookie.SameSite.STRICT).build();
    }
}
