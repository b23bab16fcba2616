package io.b24bots.admin;

import io.b24bots.install.TokenProver;
import io.b24bots.oauth.AppInfo;
import io.b24bots.web.FormBodies;
import io.b24bots.web.FramePolicy;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.RequestRejected;
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

/** The app's main page inside the Bitrix24 iframe. Shows nothing until the frame's token is proven. */
@Path("/b24/app")
public class AppResource {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance app(String domain);
    }

    private final TokenProver prover;

    AppResource(TokenProver prover) {
        this.prover = prover;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @RunOnVirtualThread
    public Response open(@Context UriInfo uri, @RestHeader("Content-Type") String contentType, byte[] body) {
        FrameRequest frame = FrameRequest.from(uri.getQueryParameters(), FormBodies.parse(contentType, body));
        if (frame.memberId() == null || frame.authId() == null) {
            throw RequestRejected.unauthorized("Open this page from your Bitrix24 portal: the request carries no Bitrix24 sign-in.");
        }
        String server = prover.trustedServer(frame.serverEndpoint());
        AppInfo info = prover.verify(server, frame.authId(), frame.memberId(), frame.domain());
        return FramePolicy.html(200, Templates.app(info.domain()), FramePolicy.origin(info.domain(), frame.https())).build();
    }
}
