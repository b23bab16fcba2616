package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.frameInstall;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Unproven install attempts cannot make the service call the OAuth server without limit. */
@QuarkusTest
@TestProfile(ProofThrottleTest.FewFailuresAllowed.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ProofThrottleTest {

    public static class FewFailuresAllowed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("b24.install.failed-proofs-per-minute", "4");
        }
    }

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aClientPresentingBadTokensIsSlowedDownAndARefusedTokenIsNotAskedAgain() {
        Portal portal = bitrix.createPortal();
        Tokens bad = new Tokens("made-up-1", "made-up", 1, portal.memberId);

        frameInstall(portal, bad, "t").then().statusCode(401);
        frameInstall(portal, bad, "t").then().statusCode(401);
        assertThat(appInfoCallsWith("made-up-1")).as("a refused token is remembered").isEqualTo(1);

        frameInstall(portal, new Tokens("made-up-2", "made-up", 1, portal.memberId), "t").then().statusCode(401);
        frameInstall(portal, new Tokens("made-up-3", "made-up", 1, portal.memberId), "t").then().statusCode(401);
        frameInstall(portal, new Tokens("made-up-4", "made-up", 1, portal.memberId), "t").then().statusCode(429);
        // Even a valid admin token waits until the address's budget refills: nothing is asked meanwhile.
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(429);

        assertThat(appInfoCallsWith("made-up-4")).isZero();
        assertThat(Database.portal(portal.memberId)).isNull();
    }

    private long appInfoCallsWith(String token) {
        return bitrix.calls(c -> c.method().equals("app.info") && token.equals(c.param("auth"))).size();
    }
}
