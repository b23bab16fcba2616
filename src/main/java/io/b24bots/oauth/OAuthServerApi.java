package io.b24bots.oauth;

import io.b24bots.outbound.AnswerSizeFilter;
import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * A Bitrix24 OAuth server's REST side ({@code app.info}; token grants go through
 * {@link OAuthTokenApi}). The base URL is chosen per call among the trusted servers. Form
 * POSTs keep the client secret and tokens out of URLs and access logs.
 */
@RegisterRestClient(configKey = "b24-oauth")
@RegisterProvider(AnswerSizeFilter.class)
@Produces(MediaType.APPLICATION_JSON)
interface OAuthServerApi {

    @POST
    @Path("/rest/app.info")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    Response appInfo(@Url String server, @FormParam("auth") String accessToken);
}
