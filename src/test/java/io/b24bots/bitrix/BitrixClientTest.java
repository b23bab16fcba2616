package io.b24bots.bitrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BitrixClientTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Test
    void sendsJsonWithAuthToTheStoredEndpoint() {
        Portal portal = installedPortal();

        BitrixResponse response = client.call(portal.memberId, "profile", Map.of("x", "y"));

        assertThat(response.result().path("ADMIN").asBoolean()).isTrue();
        var call = bitrix.calls(portal.memberId, "profile").getLast();
        assertThat(call.param("x")).isEqualTo("y");
        assertThat(call.param("auth")).isEqualTo(bitrix.latestTokens(portal).accessToken());
    }

    @Test
    void queryLimitExceededIsRetriedWithBackoff() {
        Portal portal = installedPortal();
        bitrix.failNext(portal, "server.time", 2, 503, "QUERY_LIMIT_EXCEEDED");

        assertThat(client.call(portal.memberId, "server.time", Map.of()).result().asText()).isNotBlank();
        assertThat(bitrix.calls(portal.memberId, "server.time")).hasSize(3);
    }

    @Test
    void operationTimeLimitWaitsUntilTheResetTime() {
        Portal portal = installedPortal();
        // The limits page: "for the first retry, refer to operating_reset_at from the last successful response".
        Instant reset = Instant.now().plusMillis(1500);
        bitrix.operating(portal, "server.time", 470, reset);
        client.call(portal.memberId, "server.time", Map.of());
        bitrix.failNext(portal, "server.time", 1, 429, "OPERATION_TIME_LIMIT");

        assertThat(client.call(portal.memberId, "server.time", Map.of()).result().asText()).isNotBlank();
        var calls = bitrix.calls(portal.memberId, "server.time");
        assertThat(calls).hasSize(3);
        assertThat(calls.get(2).at()).as("retried once the budget's oldest minute was reset")
                .isAfterOrEqualTo(reset.truncatedTo(ChronoUnit.SECONDS));
    }

    @Test
    void persistentLimitsSurfaceAsTransientTypedErrors() {
        Portal portal = installedPortal();
        bitrix.failNext(portal, "server.time", 10, 503, "QUERY_LIMIT_EXCEEDED");

        assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo("QUERY_LIMIT_EXCEEDED");
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.isTransient()).isTrue();
                });
        assertThat(bitrix.calls(portal.memberId, "server.time")).hasSize(4);
    }

    @Test
    void bitrixErrorsCarryTheirCodeAndAreNotRetried() {
        Portal portal = installedPortal();
        bitrix.failNext(portal, "server.time", 1, new Fault(403, "insufficient_scope", "The request requires higher privileges", 0, false));

        assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo("insufficient_scope");
                    assertThat(e.description()).contains("higher privileges");
                    assertThat(e.isTransient()).isFalse();
                });
        assertThatThrownBy(() -> client.call(portal.memberId, "no.such.method", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> assertThat(e.code()).isEqualTo("ERROR_METHOD_NOT_FOUND"));
        assertThat(bitrix.calls(portal.memberId, "server.time")).hasSize(1);
    }

    @Test
    void aMovedPortalIsFollowedOnlyWhereTheOAuthServerSays() {
        Portal portal = installedPortal();
        String oldEndpoint = bitrix.clientEndpoint(portal);
        bitrix.movePortal(portal);

        assertThat(client.call(portal.memberId, "server.time", Map.of()).result().asText()).isNotBlank();

        assertThat(Database.portal(portal.memberId).get("client_endpoint"))
                .isEqualTo(bitrix.clientEndpoint(portal)).isNotEqualTo(oldEndpoint);
        assertThat(bitrix.refreshes(portal)).hasSize(1);
    }

    @Test
    void aTimeoutIsReportedAsTransientWithoutRepeatingTheCall() {
        Portal portal = installedPortal();
        bitrix.failNext(portal, "server.time", 1, Fault.slow(3_000));

        assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo(BitrixException.TIMEOUT);
                    assertThat(e.isTransient()).isTrue();
                });
        assertThat(bitrix.calls(portal.memberId, "server.time")).hasSize(1);
    }

    @Test
    void methodNamesAreValidated() {
        Portal portal = installedPortal();
        assertThatThrownBy(() -> client.call(portal.memberId, "../oauth/token", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private Portal installedPortal() {
        return TestPortals.installed(bitrix);
    }
}
