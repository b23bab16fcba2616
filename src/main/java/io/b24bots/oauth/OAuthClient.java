package io.b24bots.oauth;

import java.io.InputStream;
import java.time.Instant;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.config.B24Config;
import io.b24bots.outbound.AnswerSizeFilter;
import io.b24bots.outbound.OutboundAddresses;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * Talks to trusted OAuth servers: code exchange, refresh and {@code app.info}. Callers pass a
 * base URL that {@link TrustedOAuthServers} vouched for; this class refuses any other, so the
 * client secret cannot leak through a forgotten check upstream.
 */
@ApplicationScoped
public class OAuthClient {

    private static final Logger LOG = Logger.getLogger(OAuthClient.class);

    private final OAuthServerApi api;
    private final OAuthTokenApi tokenApi;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final ObjectMapper json;

    OAuthClient(@RestClient OAuthServerApi api, @RestClient OAuthTokenApi tokenApi, TrustedOAuthServers servers,
            B24Config config, ObjectMapper json) {
        this.api = api;
        this.tokenApi = tokenApi;
        this.servers = servers;
        this.config = config;
        this.json = json;
    }

    public TokenGrant exchangeCode(String server, String code) {
        MultivaluedMap<String, String> form = credentials("authorization_code");
        form.add("code", code);
        return grant(send(server, () -> tokenApi.token(server, form)));
    }

    public TokenGrant refresh(String server, String refreshToken) {
        MultivaluedMap<String, String> form = credentials("refresh_token");
        form.add("refresh_token", refreshToken);
        return grant(send(server, () -> tokenApi.token(server, form)));
    }

    /** Asks the server whom {@code accessToken} belongs to; throws OAuthRejectedException for a bad token. */
    public AppInfo appInfo(String server, String accessToken) {
        OAuthAnswers.AppInfoAnswer answer = read(send(server, () -> api.appInfo(server, accessToken)),
                OAuthAnswers.AppInfoAnswer.class, "app.info");
        if (answer.result() == null || answer.result().install() == null) {
            throw new OAuthUnavailableException("app.info answered without result.install");
        }
        OAuthAnswers.AppInfoAnswer.Result result = answer.result();
        OAuthAnswers.AppInfoAnswer.Install install = result.install();
        return new AppInfo(result.clientId(), result.userId(), result.scope(), Boolean.TRUE.equals(install.installed()),
                install.version(), install.status(), install.domain(), install.clientEndpoint(), install.memberId());
    }

    /** An answer in the shape of {@code type}; a broken shape is the server's trouble, not a verdict on the token. */
    private <T> T read(JsonNode node, Class<T> type, String what) {
        try {
            return json.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new OAuthUnavailableException(what + " answered in an unexpected shape");
        }
    }

    private MultivaluedMap<String, String> credentials(String grantType) {
        MultivaluedMap<String, String> form = new MultivaluedHashMap<>();
        form.add("grant_type", grantType);
        form.add("client_id", config.clientId());
        form.add("client_secret", config.clientSecret());
        return form;
    }

    private JsonNode send(String server, Supplier<Response> call) {
        if (!servers.isTrusted(server)) {
            throw new IllegalArgumentException("refusing to call an OAuth server that is not trusted");
        }
        if (!OutboundAddresses.acceptable(server, config.allowHttp())) {
            LOG.warnf("Refused to call OAuth server %s: it resolves to an internal address", server);
            throw new OAuthUnavailableException("OAuth server address refused");
        }
        Response response;
        try {
            response = call.get();
        } catch (WebApplicationException e) {
            response = e.getResponse();
        } catch (ProcessingException e) {
            LOG.warnf("OAuth server %s unreachable: %s", server, rootMessage(e));
            throw new OAuthUnavailableException("OAuth server unreachable");
        }
        JsonNode node = json.createObjectNode();
        if (response.hasEntity()) {
            try (InputStream in = response.readEntity(InputStream.class)) {
                JsonNode read = json.readTree(in);
                node = read == null || read.isMissingNode() ? node : read;
            } catch (Exception e) {
                if (AnswerSizeFilter.isTooLarge(e)) {
                    LOG.warnf("OAuth server %s answered with more than %s bytes; refused unread", server,
                            config.rest().maxAnswerSize().asLongValue());
                    throw new OAuthUnavailableException("OAuth server answer too large");
                }
            }
        }
        int status = response.getStatus();
        String error = node.path("error").asText("");
        if (!error.isEmpty() && status < 500) {
            throw new OAuthRejectedException(error, node.path("error_description").asText(""));
        }
        if (status >= 400) {
            throw new OAuthUnavailableException("OAuth server answered HTTP " + status);
        }
        return node;
    }

    private TokenGrant grant(JsonNode node) {
        OAuthAnswers.Grant grant = read(node, OAuthAnswers.Grant.class, "oauth/token");
        if (grant.accessToken() == null || grant.refreshToken() == null) {
            throw new OAuthUnavailableException("OAuth server answered without tokens");
        }
        long expiresIn = grant.expiresIn() == null ? 3600 : grant.expiresIn();
        return new TokenGrant(grant.accessToken(), grant.refreshToken(), Instant.now().plusSeconds(Math.max(0, expiresIn)),
                grant.memberId(), grant.clientEndpoint());
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }
}
