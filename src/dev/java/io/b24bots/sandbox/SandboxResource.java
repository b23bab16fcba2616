package io.b24bots.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.b24bots.sandbox.Sandbox.SandboxPortal;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * The sandbox portal at {@code /dev/portal}: the page, and the JSON calls its buttons make. Exists
 * only where src/dev is on the classpath (dev mode and tests), never in the packaged service.
 */
@Path("/dev/portal")
@RunOnVirtualThread
public class SandboxResource {

    private final Sandbox sandbox;

    SandboxResource(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** What the page sends to act in a portal. */
    public record ChatInput(Long bot, Long user, String text, Long message, Integer button) {
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response page() {
        if (!sandbox.available()) {
            return Response.status(404).type(MediaType.TEXT_PLAIN).entity("The sandbox runs in dev mode only.").build();
        }
        return Response.ok(resource("portal.html")).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/api/state")
    @Produces(MediaType.APPLICATION_JSON)
    public Response state(@QueryParam("portal") String memberId, @QueryParam("user") Long user, @QueryParam("bot") Long bot) {
        if (!sandbox.available()) {
            return error(404, "The sandbox runs in dev mode only.");
        }
        List<Map<String, Object>> portals = new ArrayList<>();
        for (SandboxPortal p : sandbox.portals()) {
            portals.add(summary(p));
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("portals", portals);
        sandbox.portal(memberId).ifPresent(p -> {
            Map<String, Object> current = summary(p);
            current.put("bots", sandbox.bots(p));
            current.put("activity", p.activity.reversed().stream().limit(40).toList());
            if (bot != null) {
                current.put("chat", sandbox.chat(p, bot, user == null ? Sandbox.ADMIN : user));
            }
            current.put("teamChat", Sandbox.TEAM_CHAT);
            state.put("current", current);
        });
        return Response.ok(state).header("Cache-Control", "no-store").build();
    }

    @POST
    @Path("/api/portals")
    @Produces(MediaType.APPLICATION_JSON)
    public Response create(@Context UriInfo uri) {
        if (!sandbox.available()) {
            return error(404, "The sandbox runs in dev mode only.");
        }
        // The portal lives at the address of this page, so the app's frame policy lets the page frame it.
        URI base = uri.getBaseUri();
        SandboxPortal portal = sandbox.create(base.getHost() + (base.getPort() > 0 ? ":" + base.getPort() : ""));
        return Response.ok(summary(portal)).build();
    }

    @DELETE
    @Path("/api/portals/{portal}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response remove(@PathParam("portal") String memberId, @Context UriInfo uri) {
        return withPortal(memberId, p -> {
            if (p.installed) {
                sandbox.uninstall(p, true, uri.getBaseUri());
            }
            sandbox.remove(p);
            return Response.ok(Map.of("removed", p.portal.memberId)).build();
        });
    }

    /** The iframe POST Bitrix24 makes to open the app (or its install page) for a user. */
    @POST
    @Path("/api/portals/{portal}/frame")
    @Produces(MediaType.APPLICATION_JSON)
    public Response frame(@PathParam("portal") String memberId, @QueryParam("user") Long user,
            @QueryParam("install") boolean install) {
        return withPortal(memberId, p -> {
            long userId = user == null ? Sandbox.ADMIN : user;
            if (userId != Sandbox.ADMIN && userId != Sandbox.EMPLOYEE) {
                return error(400, "user must be " + Sandbox.ADMIN + " (admin) or " + Sandbox.EMPLOYEE + " (employee)");
            }
            if (install) {
                p.installed = true;
                p.log("Install: " + Sandbox.userName(userId) + " opened the app's install page", false);
            } else {
                p.log(Sandbox.userName(userId) + " opened the app", false);
            }
            Map<String, Object> frame = new LinkedHashMap<>();
            frame.put("action", (install ? "/b24/install?" : "/b24/app?") + sandbox.frameQuery(p));
            frame.put("fields", sandbox.frameFields(p, userId));
            return Response.ok(frame).header("Cache-Control", "no-store").build();
        });
    }

    @POST
    @Path("/api/portals/{portal}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response write(@PathParam("portal") String memberId, ChatInput input, @Context UriInfo uri) {
        return withPortal(memberId, p -> {
            if (input == null || input.bot() == null || input.text() == null || input.text().isBlank()) {
                return error(400, "Send {\"bot\": <bot id>, \"user\": 1 or 2, \"text\": \"...\"}");
            }
            if (input.text().length() > 4000) {
                return error(400, "A message is at most 4000 characters here");
            }
            sandbox.write(p, input.bot(), user(input), input.text().trim(), uri.getBaseUri());
            return Response.ok(Map.of("sent", true)).build();
        });
    }

    @POST
    @Path("/api/portals/{portal}/press")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response press(@PathParam("portal") String memberId, ChatInput input, @Context UriInfo uri) {
        return withPortal(memberId, p -> {
            if (input == null || input.bot() == null || input.message() == null || input.button() == null) {
                return error(400, "Send {\"bot\": <bot id>, \"user\": 1 or 2, \"message\": <id>, \"button\": <index>}");
            }
            String done = sandbox.press(p, input.bot(), user(input), input.message(), input.button(), uri.getBaseUri());
            return Response.ok(Map.of("pressed", done)).build();
        });
    }

    /** The things that go wrong with real portals, on demand. */
    @POST
    @Path("/api/portals/{portal}/trouble/{kind}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response trouble(@PathParam("portal") String memberId, @PathParam("kind") String kind,
            @QueryParam("on") Boolean on, @Context UriInfo uri) {
        return withPortal(memberId, p -> {
            boolean enable = on == null || on;
            switch (kind) {
                case "expire-tokens" -> sandbox.expireTokens(p);
                case "rate-limit" -> sandbox.rateLimit(p, enable);
                case "slow" -> sandbox.slow(p, enable);
                case "fail-register" -> sandbox.failNextRegister(p);
                case "move" -> sandbox.move(p);
                case "uninstall" -> sandbox.uninstall(p, false, uri.getBaseUri());
                case "uninstall-clean" -> sandbox.uninstall(p, true, uri.getBaseUri());
                default -> {
                    return error(404, "Unknown trouble '" + kind + "'; one of expire-tokens, rate-limit, slow, "
                            + "fail-register, move, uninstall, uninstall-clean");
                }
            }
            return Response.ok(summary(p)).build();
        });
    }

    private Response withPortal(String memberId, Function<SandboxPortal, Response> action) {
        if (!sandbox.available()) {
            return error(404, "The sandbox runs in dev mode only.");
        }
        return sandbox.portal(memberId).map(p -> {
            try {
                return action.apply(p);
            } catch (IllegalArgumentException e) {
                return error(400, e.getMessage());
            }
        }).orElseGet(() -> error(404, "No sandbox portal " + memberId));
    }

    private static long user(ChatInput input) {
        long user = input.user() == null ? Sandbox.ADMIN : input.user();
        if (user != Sandbox.ADMIN && user != Sandbox.EMPLOYEE) {
            throw new IllegalArgumentException("user must be " + Sandbox.ADMIN + " (admin) or " + Sandbox.EMPLOYEE + " (employee)");
        }
        return user;
    }

    private static Map<String, Object> summary(SandboxPortal p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("memberId", p.portal.memberId);
        out.put("name", p.name);
        out.put("domain", p.portal.domain);
        out.put("installed", p.installed);
        out.put("rateLimited", p.rateLimited);
        out.put("slow", p.slow);
        out.put("moved", p.moved);
        return out;
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }

    static String resource(String name) {
        try (InputStream in = SandboxResource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing sandbox resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
