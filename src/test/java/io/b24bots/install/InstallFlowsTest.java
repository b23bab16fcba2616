package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static io.b24bots.testing.BitrixRequests.event;
import static io.b24bots.testing.BitrixRequests.frameInstall;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.b24bots.portal.PortalStore;
import io.b24bots.portal.StoredTokens;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
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
class InstallFlowsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    PortalStore store;

    @Test
    void iframeInstallStoresThePortalEncryptedAndFinishesTheInstall() {
        Portal portal = bitrix.createPortal();
        Tokens tokens = bitrix.issueTokens(portal, 1);

        frameInstall(portal, tokens, "apptoken-" + portal.memberId)
                .then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .header("Content-Security-Policy", "frame-ancestors 'self' https://" + portal.domain)
                .header("X-Frame-Options", nullValue())
                .body(containsString("//api.bitrix24.com/api/v1/"))
                .body(containsString("BX24.installFinish()"));

        Map<String, Object> row = Database.portal(portal.memberId);
        assertThat(row.get("status")).isEqualTo("active");
        assertThat(row.get("domain")).isEqualTo(portal.domain);
        assertThat(row.get("client_endpoint")).isEqualTo(bitrix.clientEndpoint(portal));
        assertThat(row.get("installed_by")).isEqualTo(1L);
        assertStoredEncrypted(portal, tokens);
        assertThat(store.tokens(portal.memberId)).get()
                .extracting(StoredTokens::accessToken, StoredTokens::refreshToken)
                .containsExactly(tokens.accessToken(), tokens.refreshToken());

        // The frame's application token now verifies events.
        appUpdateEvent(portal, "apptoken-" + portal.memberId)
                .formParam("data[VERSION]", "2")
                .post("/b24/events").then().statusCode(200);
        assertThat(Database.portal(portal.memberId).get("app_version")).isEqualTo(2);
    }

    @Test
    void onAppInstallEventInstallsAnUnknownPortal() {
        Portal portal = bitrix.createPortal();
        Tokens tokens = bitrix.issueTokens(portal, 1);

        appInstallEvent(portal, tokens, "event-token").post("/b24/events").then().statusCode(200);

        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertStoredEncrypted(portal, tokens);
        appUpdateEvent(portal, "event-token").post("/b24/events").then().statusCode(200);
        event("ONAPPUNINSTALL", portal, "wrong-token").post("/b24/events").then().statusCode(401);
    }

    @Test
    void iframeThenEventKeepsOneRowWithTheNewestTokens() {
        Portal portal = bitrix.createPortal();
        Tokens first = bitrix.issueTokens(portal, 1);
        Tokens second = bitrix.issueTokens(portal, 1);

        frameInstall(portal, first, "frame-token").then().statusCode(200);
        appInstallEvent(portal, second, "event-token").post("/b24/events").then().statusCode(200);

        assertThat(Database.count("select count(*) from portal where member_id = ?", portal.memberId)).isEqualTo(1);
        assertThat(store.tokens(portal.memberId).orElseThrow().accessToken()).isEqualTo(second.accessToken());
        // The event's application token replaced the frame's.
        appUpdateEvent(portal, "event-token").post("/b24/events").then().statusCode(200);
        event("ONAPPUNINSTALL", portal, "frame-token").post("/b24/events").then().statusCode(401);
    }

    @Test
    void eventThenIframeKeepsOneRowWithTheNewestTokens() {
        Portal portal = bitrix.createPortal();
        Tokens first = bitrix.issueTokens(portal, 1);
        Tokens second = bitrix.issueTokens(portal, 1);

        appInstallEvent(portal, first, "event-token").post("/b24/events").then().statusCode(200);
        frameInstall(portal, second, "frame-token").then().statusCode(200);

        assertThat(Database.count("select count(*) from portal where member_id = ?", portal.memberId)).isEqualTo(1);
        assertThat(Database.count("select count(*) from portal_token where member_id = ?", portal.memberId)).isEqualTo(1);
        assertThat(store.tokens(portal.memberId).orElseThrow().refreshToken()).isEqualTo(second.refreshToken());
    }

    @Test
    void oauthCodeFlowInstallsThePortalWithoutAnApplicationToken() {
        Portal portal = bitrix.createPortal();

        String location = given().redirects().follow(false)
                .queryParam("domain", portal.domain)
                .get("/b24/oauth/start")
                .then().statusCode(302)
                .extract().header("Location");
        URI authorize = URI.create(location);
        assertThat(authorize.getScheme() + "://" + authorize.getHost() + authorize.getPath())
                .isEqualTo("https://" + portal.domain + "/oauth/authorize/");
        assertThat(authorize.getQuery()).contains("client_id=" + TestEnvironment.CLIENT_ID);
        String state = query(authorize, "state");

        given().queryParam("code", bitrix.issueCode(portal, 1))
                .queryParam("state", state)
                .queryParam("domain", portal.domain)
                .queryParam("member_id", portal.memberId)
                .queryParam("scope", "imbot,im")
                .queryParam("server_domain", URI.create(bitrix.oauthUrl()).getAuthority())
                .get("/b24/oauth/callback")
                .then().statusCode(200)
                .body(containsString("authorised for " + portal.domain))
                .body(containsString("Open the app once"));

        Map<String, Object> row = Database.portal(portal.memberId);
        assertThat(row.get("status")).isEqualTo("active");
        assertThat(row.get("application_token_hash")).isNull();
        assertThat(store.tokens(portal.memberId)).isPresent();
        // No application token yet: events cannot be verified and are refused.
        event("ONAPPUNINSTALL", portal, "anything").post("/b24/events").then().statusCode(401)
                .body("error_description", containsString("no application token yet"));
    }

    @Test
    void everyInstallMakesSureTheLifecycleEventsAreBoundOnce() {
        Portal portal = bitrix.createPortal();
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        appInstallEvent(portal, bitrix.issueTokens(portal, 1), "t").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.imbot().boundEvents(portal))
                .extracting(b -> b.get("event") + " -> " + b.get("handler"))
                .containsExactlyInAnyOrder("ONAPPUNINSTALL -> http://b24bots.test/b24/events",
                        "ONAPPUPDATE -> http://b24bots.test/b24/events");
        assertThat(bitrix.calls(portal.memberId, "event.bind")).as("bound once, then found bound").hasSize(2);
        assertThat(bitrix.calls(portal.memberId, "event.get")).hasSize(2);
    }

    /**
     * An update removes the app's event handlers (event.bind's page), and ONAPPUPDATE brings "the updated
     * application_token" (its page): the events are bound again, and a new token from an administrator is
     * the one that verifies events from then on.
     */
    @Test
    void anUpdateBindsTheEventsAgainAndAnAdministratorsRenewedApplicationTokenIsTaken() {
        Portal portal = TestPortals.installed(bitrix);
        bitrix.updateApp(portal);
        String renewed = "renewed-" + portal.memberId;

        appUpdateEvent(portal, renewed).post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.imbot().boundEvents(portal)).extracting(b -> b.get("event"))
                .containsExactlyInAnyOrder("ONAPPUNINSTALL", "ONAPPUPDATE");
        appUpdateEvent(portal, renewed).post("/b24/events").then().statusCode(200);
        appUpdateEvent(portal, TestPortals.applicationToken(portal), 2).post("/b24/events").then().statusCode(403);
        event("ONAPPUNINSTALL", portal, TestPortals.applicationToken(portal))
                .post("/b24/events").then().statusCode(401);
    }

    /** Anyone in the portal can read the application token: a new one from an employee's token changes nothing. */
    @Test
    void aRenewedApplicationTokenFromAnEmployeeIsRefused() {
        Portal portal = TestPortals.installed(bitrix);

        appUpdateEvent(portal, "made-up", 2).post("/b24/events").then().statusCode(403);
        appUpdateEvent(portal, "made-up", 1).formParam("auth[member_id]", "0".repeat(32)).post("/b24/events").then()
                .statusCode(401);

        appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'register-bots'",
                portal.memberId)).as("no install was made of it").isEqualTo(1);
    }

    /** Bound meanwhile by another install: the portal core answers ERROR_CORE "Handler already binded", which is success. */
    @Test
    void aBindingMadeMeanwhileCountsAsBound() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "event.bind", 1, new Bitrix24Emulator.Fault(400, "ERROR_CORE",
                "Unable to set event handler: Handler already binded", 0, false));
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bind-app-events'"
                + " and status = 'done' and attempts = 1", portal.memberId)).isEqualTo(1);
    }

    @Test
    void uninstallKeepsTheRowAndReinstallReactivatesIt() {
        Portal portal = bitrix.createPortal();
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t1").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        bitrix.uninstallApp(portal);

        event("ONAPPUNINSTALL", portal, "t1").formParam("data[CLEAN]", "0").post("/b24/events")
                .then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        // Once confirmed, only a reinstall is heard from the portal.
        event("ONAPPUNINSTALL", portal, "t1").post("/b24/events").then().statusCode(401);
        Map<String, Object> row = Database.portal(portal.memberId);
        assertThat(row.get("status")).isEqualTo("uninstalled");
        assertThat(row.get("uninstalled_at")).isNotNull();
        assertThat(Database.token(portal.memberId)).as("revoked tokens are not kept").isNull();

        appInstallEvent(portal, bitrix.issueTokens(portal, 1), "t2").post("/b24/events").then().statusCode(200);
        row = Database.portal(portal.memberId);
        assertThat(row.get("status")).isEqualTo("active");
        assertThat(row.get("uninstalled_at")).isNull();
    }

    @Test
    void uninstallWithCleanPurgesDataButKeepsWhatReinstallNeeds() {
        Portal portal = bitrix.createPortal();
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t1").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        bitrix.uninstallApp(portal);

        event("ONAPPUNINSTALL", portal, "t1").formParam("data[CLEAN]", "1").post("/b24/events")
                .then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        Map<String, Object> row = Database.portal(portal.memberId);
        assertThat(row.get("status")).isEqualTo("uninstalled");
        assertThat(row.get("domain")).isEqualTo(portal.domain);
        assertThat(row.get("scope")).isNull();
        assertThat(row.get("installed_by")).isNull();
        assertThat(Database.token(portal.memberId)).isNull();
        assertThat(Database.count("select count(*) from job where member_id = ? and status = 'queued'", portal.memberId))
                .isZero();
    }

    private static void assertStoredEncrypted(Portal portal, Tokens tokens) {
        Map<String, Object> token = Database.token(portal.memberId);
        String access = new String((byte[]) token.get("access_token"), StandardCharsets.ISO_8859_1);
        String refresh = new String((byte[]) token.get("refresh_token"), StandardCharsets.ISO_8859_1);
        assertThat(access).doesNotContain(tokens.accessToken());
        assertThat(refresh).doesNotContain(tokens.refreshToken());
        assertThat(token.get("key_id")).isEqualTo("k2");
    }

    private static String query(URI uri, String name) {
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no " + name + " in " + uri);
    }
}
