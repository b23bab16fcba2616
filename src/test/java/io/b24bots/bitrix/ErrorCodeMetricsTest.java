package io.b24bots.bitrix;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Error codes come from portals, so only catalogued ones become metric tags; the rest are "other". */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ErrorCodeMetricsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Test
    void anInventedErrorCodeIsTaggedOther() {
        Portal portal = TestPortals.installed(bitrix);
        String invented = "X_" + UUID.randomUUID().toString().replace("-", "");
        bitrix.failNext(portal, "server.time", 1, 400, invented);

        // The caller still sees the portal's code; only the metric tag is bounded.
        assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo(invented);
                    assertThat(e.isTransient()).isFalse();
                });

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).doesNotContain(invented)
                .contains("b24_rest_calls_total{method=\"server.time\",outcome=\"other\"}");
    }

    @Test
    void aKnownCodeKeepsItsTag() {
        Portal portal = TestPortals.installed(bitrix);
        bitrix.failNext(portal, "server.time", 1, 403, "insufficient_scope");

        assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of())).isInstanceOf(BitrixException.class);

        assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("b24_rest_calls_total{method=\"server.time\",outcome=\"insufficient_scope\"}");
    }

    @Test
    void aRegistrationFailingWithAnInventedCodeIsTaggedOther() {
        Portal portal = bitrix.createPortal();
        String invented = "X_" + UUID.randomUUID().toString().replace("-", "");
        bitrix.failNext(portal, "imbot.register", 2, 400, invented);
        BitrixRequests.frameInstall(portal, bitrix.issueTokens(portal, 1), TestPortals.applicationToken(portal))
                .then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).doesNotContain(invented)
                .containsPattern("b24_bot_registrations_total\\{api=\"v1\",error=\"other\",outcome=\"failed\"}");
        assertThat(BitrixErrorCodes.tag(invented)).isEqualTo(BitrixErrorCodes.OTHER);
        assertThat(BitrixErrorCodes.tag("BOT_CODE_ALREADY_TAKEN")).isEqualTo("BOT_CODE_ALREADY_TAKEN");
        assertThat(BitrixErrorCodes.tag("HTTP_503")).isEqualTo("HTTP_503");
    }
}
