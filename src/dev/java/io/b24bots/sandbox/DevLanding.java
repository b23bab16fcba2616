package io.b24bots.sandbox;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The dev-mode home page: what this is and where to go. Production has no page at {@code /}. */
@Path("/")
public class DevLanding {

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response home() {
        return Response.ok(SandboxResource.resource("landing.html")).header("Cache-Control", "no-store").build();
    }
}
