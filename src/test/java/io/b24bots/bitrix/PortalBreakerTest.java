package io.b24bots.bitrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A portal whose every call fails with a bare 503 is backed off: after {@code b24.rest.breaker-threshold}
 * (5) failures in a row its background calls fail fast without reaching it, until the pause is over;
 * a person's call still goes through, other portals are untouched, and one success closes it.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PortalBreakerTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Test
    void aFailingPortalIsBackedOffAndComesBack() {
        Portal failing = TestPortals.installed(bitrix);
        Portal healthy = TestPortals.installed(bitrix);
        // The healthy portal's calls are counted one by one: a limit refusal retried would count twice.
        healthy.ratePerSecond = 1000;
        healthy.rateBurst = 1000;
        // Every call of the portal fails, its bot's background polls too (they would count as answers).
        bitrix.answerRaw(failing, "server.time", -1, Bitrix24Emulator.rawJson(503, ""));
        bitrix.answerRaw(failing, "imbot.v2.Event.get", -1, Bitrix24Emulator.rawJson(503, ""));

        int backedOff = 0;
        for (int i = 0; i < 40; i++) {
            try {
                client.call(failing.memberId, "server.time", Map.of());
            } catch (BitrixException e) {
                assertThat(e.isTransient()).isTrue();
                if (BitrixException.PORTAL_BACKED_OFF.equals(e.code())) {
                    backedOff++;
                } else {
                    assertThat(e.code()).isEqualTo("HTTP_503");
                }
            }
            assertThat(client.call(healthy.memberId, "server.time", Map.of()).result().asText()).isNotBlank();
        }

        // Without the breaker all 40 calls would have reached the portal (polls may have used up some of the 5).
        int reached = bitrix.calls(failing.memberId, "server.time").size();
        assertThat(reached).isLessThanOrEqualTo(5);
        assertThat(backedOff).isEqualTo(40 - reached);
        assertThat(bitrix.calls(healthy.memberId, "server.time")).hasSize(40);

        // A person waiting is not held back by the breaker.
        String token = bitrix.latestTokens(failing).accessToken();
        assertThatThrownBy(() -> client.callWithToken(failing.memberId, bitrix.clientEndpoint(failing), token, "server.time",
                Map.of())).isInstanceOfSatisfying(BitrixException.class, e -> assertThat(e.code()).isEqualTo("HTTP_503"));
        assertThat(bitrix.calls(failing.memberId, "server.time")).hasSize(reached + 1);

        // The portal recovers: once the pause is over, the next call gets through and closes the breaker.
        bitrix.answerRaw(failing, "server.time", 0, Bitrix24Emulator.rawJson(503, ""));
        bitrix.answerRaw(failing, "imbot.v2.Event.get", 0, Bitrix24Emulator.rawJson(503, ""));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                return !client.call(failing.memberId, "server.time", Map.of()).result().asText().isBlank();
            } catch (BitrixException e) {
                return false;
            }
        });
        for (int i = 0; i < 5; i++) {
            assertThat(client.call(failing.memberId, "server.time", Map.of()).result().asText()).isNotBlank();
        }
    }
}
