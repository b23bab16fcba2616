package io.b24bots.bitrix;

import java.util.Map;

import io.b24bots.config.AnswerSizeLimit;
import io.quarkus.rest.client.reactive.Url;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * A portal's REST endpoint: JSON POST to {@code {client_endpoint}{method}}, the caller joining the
 * two (a checked method name; a path template resolved per call cost a sixth of the client's time
 * on the reply path). Redirects are not followed.
 */
@RegisterRestClient(configKey = "b24-rest")
@RegisterProvider(AnswerSizeLimit.class)
interface BitrixRestApi {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Response call(@Url String methodUrl, Map<String, Object> body);
}
