package io.b24bots.oauth;

import io.b24bots.outbound.AnswerSizeFilter;
import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * A Bitrix24 OAuth server's token endpoint (code exchange, refresh). Its own client key
 * ({@code b24-oauth-token}) so grants get a long read timeout: a refresh token is single-use, and
 * giving up on a sent grant loses the pair the server already rotated.
 */
@RegisterRestClient(configKey = "b24-oauth-token")
@RegisterProvider(AnswerSizeFilter.class)
@Produces(MediaType.APPLICATION_JSON)
interface OAuthTokenApi {

    @POST
    @Path("/oauth/token/")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    Response token(@Url String server, MultivaluedMap<String, String> form);
}
