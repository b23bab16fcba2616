package io.b24bots.events;

import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
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
 * A replica proves at most {@code b24.events.proofs-in-flight} new tokens at once: a flood of them
 * waits for a slot (and past {@code b24.events.proof-wait} is told to try again), while an event whose
 * proof is cached never waits behind it.
 */
@QuarkusTest
@TestProfile(ProofSlotsTest.TwoSlots.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ProofSlotsTest {

    /** Far slower than the wait for a slot, faster than the OAuth client's read timeout (raised to 10 s here). */
    static final long SLOW_PROOF_MILLIS = 4_000;

    public static class TwoSlots implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("b24.events.proofs-in-flight", "2", "b24.events.proof-wait", "PT0.5S",
                    "quarkus.rest-client.b24-oauth.read-timeout", "10000");
        }
    }

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void newTokensWaitForTheReplicasProofSlotsWhileCachedProofsPassAtOnce() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        long support = TestPortals.botId(bitrix, portal, "b24bots_support");
        String cached = TestPortals.userToken(bitrix, portal, support);
        v2Join(portal, support, cached).post("/b24/events").then().statusCode(200);

        // Two new tokens whose proofs are slow take both slots.
        bitrix.failNextOAuth(portal, "app.info", 2, Fault.slow(SLOW_PROOF_MILLIS));
        String first = TestPortals.userToken(bitrix, portal, support);
        String second = TestPortals.userToken(bitrix, portal, support);
        // Their own threads: the common pool may have one, which would send them one after the other.
        ExecutorService senders = Executors.newFixedThreadPool(2);
        CompletableFuture<Response> firstEvent = CompletableFuture.supplyAsync(() -> v2Join(portal, support, first).post("/b24/events"), senders);
        CompletableFuture<Response> secondEvent = CompletableFuture.supplyAsync(() -> v2Join(portal, support, second).post("/b24/events"), senders);
        await().atMost(Duration.ofSeconds(5)).until(() -> appInfoCalls(first) + appInfoCalls(second) == 2);

        long started = System.nanoTime();
        v2Join(portal, support, cached).post("/b24/events").then().statusCode(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a cached proof waits for no slot")
                .isLessThan(Duration.ofMillis(SLOW_PROOF_MILLIS));

        // A third new token finds no slot within the wait: a clear "try again", and no call was made for it.
        String third = TestPortals.userToken(bitrix, portal, support);
        v2Join(portal, support, third).post("/b24/events").then().statusCode(503)
                .body("error", equalTo("temporarily_unavailable"))
                .body("error_description", containsString("try again"));
        assertThat(appInfoCalls(third)).isZero();

        firstEvent.get().then().statusCode(200);
        secondEvent.get().then().statusCode(200);
        senders.shutdown();
        // The slots are free again: the same token is proven now.
        v2Join(portal, support, third).post("/b24/events").then().statusCode(200);
        assertThat(appInfoCalls(third)).isEqualTo(1);
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

    private long appInfoCalls(String token) {
        return bitrix.calls(c -> c.method().equals("app.info") && token.equals(c.param("auth"))).size();
    }
}
