package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.event;
import static io.b24bots.testing.BitrixRequests.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * Unproven tokens cannot make the service call the OAuth server without limit, and the budget that
 * stops them never stops a genuine one: behind the trusted proxy (127.0.0.1 in tests) each client is
 * counted by the address the proxy names, and an address that spent its budget is slowed, not shut out.
 */
@QuarkusTest
@TestProfile(ProofThrottleTest.FewFailuresAllowed.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ProofThrottleTest {

    /** 20 failed proofs a minute: an address over it waits 3 s after each failed one. */
    static final int PER_MINUTE = 20;
    static final Duration PACE = Duration.ofSeconds(60 / PER_MINUTE);

    public static class FewFailuresAllowed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("b24.install.failed-proofs-per-minute", String.valueOf(PER_MINUTE),
                    "b24.events.proofs-per-second", "0.1", "b24.events.proof-burst", "3");
        }
    }

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aClientPresentingBadTokensIsSlowedDownWhileOthersAndItsOwnGenuineTokensGetThrough() throws Exception {
        Portal portal = bitrix.createPortal();
        String attacker = "203.0.113.7";
        Tokens bad = new Tokens("made-up-0", "made-up", 1, portal.memberId);
        install(portal, bad, attacker).then().statusCode(401);
        install(portal, bad, attacker).then().statusCode(401);
        assertThat(appInfoCallsWith("made-up-0")).as("a refused token is remembered").isEqualTo(1);
        for (int i = 1; i < PER_MINUTE - 1; i++) {
            install(portal, new Tokens("made-up-" + i, "made-up", 1, portal.memberId), attacker).then().statusCode(401);
        }

        // Over budget: each further bad token is still asked about, one at a time, and answered only after the pace.
        long started = System.nanoTime();
        install(portal, new Tokens("made-up-x", "made-up", 1, portal.memberId), attacker).then().statusCode(401);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(PACE);

        // A client naming another address first, as a spoofed header does, is still counted by the hop the
        // proxy added: of two more bad tokens (the budget refilled by one during the pause), one waits.
        started = System.nanoTime();
        install(portal, new Tokens("made-up-y", "made-up", 1, portal.memberId), "192.0.2.55, " + attacker).then().statusCode(401);
        install(portal, new Tokens("made-up-w", "made-up", 1, portal.memberId), "192.0.2.56, " + attacker).then().statusCode(401);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(PACE);

        // Another client is not slowed down at all, and a genuine admin behind the attacker's address gets through in turn.
        CompletableFuture<Response> flood = CompletableFuture.supplyAsync(
                () -> install(portal, new Tokens("made-up-z", "made-up", 1, portal.memberId), attacker));
        started = System.nanoTime();
        install(portal, bitrix.issueTokens(portal, 1), "198.51.100.9").then().statusCode(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PACE);
        install(portal, bitrix.issueTokens(portal, 1), attacker).then().statusCode(200);
        flood.get().then().statusCode(401);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
    }

    /** An employee posting made-up bot tokens spends the budget of their own address, not Bitrix24's deliveries'. */
    @Test
    void madeUpBotTokensFromOneAddressLeaveGenuineEventsAlone() {
        Portal portal = TestPortals.installed(bitrix);
        ImbotEmulation imbot = bitrix.imbot();
        long support = TestPortals.botId(bitrix, portal, "b24bots_support");
        for (int i = 0; i < 3; i++) {
            v2Join(portal, support, "made-up-bot-token-" + i).header("X-Forwarded-For", "203.0.113.50")
                    .post("/b24/events").then().statusCode(401);
        }
        v2Join(portal, support, "made-up-bot-token-9").header("X-Forwarded-For", "203.0.113.50")
                .post("/b24/events").then().statusCode(429);

        v2Join(portal, support, TestPortals.userToken(bitrix, portal, support)).post("/b24/events").then().statusCode(200);
    }

    private static RequestSpecification v2Join(Portal portal, long bot, String token) {
        return event("ONIMBOTV2JOINCHAT", portal, TestPortals.applicationToken(portal))
                .formParam("data[bot][id]", String.valueOf(bot))
                .formParam("data[bot][code]", "b24bots_support")
                .formParam("data[bot][auth][access_token]", token)
                .formParam("data[bot][auth][member_id]", portal.memberId)
                .formParam("data[dialogId]", "chat" + System.nanoTime())
                .formParam("data[language]", "en");
    }

    private Response install(Portal portal, Tokens tokens, String forwardedFor) {
        return frame(portal, tokens, bitrix.oauthUrl() + "/rest/", "t").header("X-Forwarded-For", forwardedFor)
                .post("/b24/install");
    }

    private long appInfoCallsWith(String token) {
        return bitrix.calls(c -> c.method().equals("app.info") && token.equals(c.param("auth"))).size();
    }
}
