package io.b24bots.oauth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The JSON the OAuth servers answer, as typed records: only the fields the service reads. */
final class OAuthAnswers {

    private OAuthAnswers() {
    }

    /** {@code /oauth/token/}: a code exchange or a refresh. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Grant(
            @JsonProperty("access_token") String accessToken,
            @JsonProperty("refresh_token") String refreshToken,
            @JsonProperty("expires_in") Long expiresIn,
            @JsonProperty("member_id") String memberId,
            @JsonProperty("client_endpoint") String clientEndpoint) {
    }

    /** {@code /rest/app.info}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record AppInfoAnswer(Result result) {

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Result(
                @JsonProperty("client_id") String clientId,
                @JsonProperty("user_id") Long userId,
                String scope,
                Install install) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Install(
                Boolean installed,
                Integer version,
                String status,
                String domain,
                @JsonProperty("client_endpoint") String clientEndpoint,
                @JsonProperty("member_id") String memberId) {
        }
    }
}
