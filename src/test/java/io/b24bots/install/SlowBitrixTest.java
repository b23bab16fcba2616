package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.frameInstall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A slow or failing Bitrix24 answers the person with "try again" at the configured timeout; nothing is stored. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SlowBitrixTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aSlowOAuthServerGivesA503AtTheReadTimeout() {
        Portal portal = bitrix.createPortal();
        // Slower than quarkus.rest-client.b24-oauth.read-timeout (2 s in tests).
        bitrix.failNextOAuth(portal, "app.info", 2, Fault.slow(3_000));

        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(503)
                .body(containsString("could not be reached"));
        appInstallEvent(portal, bitrix.issueTokens(portal, 1), "t").post("/b24/events").then().statusCode(503)
                .body("error", equalTo("temporarily_unavailable"));
        assertThat(Database.portal(portal.memberId)).isNull();
    }

    @Test
    void aPortalAnsweringWithALimitIsNotWaitedForWhileAPersonWaits() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "profile", 1, 503, "QUERY_LIMIT_EXCEEDED");

        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(503)
                .body(containsString("Please try again"));
        assertThat(bitrix.calls(portal.memberId, "profile")).hasSize(1);
        assertThat(Database.portal(portal.memberId)).isNull();
    }
}
