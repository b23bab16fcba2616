package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static io.b24bots.testing.BitrixRequests.event;
import static io.b24bots.testing.BitrixRequests.frame;
import static io.b24bots.testing.BitrixRequests.frameInstall;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every forged request is refused and leaves the stored portal exactly as it was. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ForgedRequestsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    Portal victim;
    Tokens victimTokens;

    @BeforeEach
    void installVictim() {
        victim = bitrix.createPortal();
        victimTokens = bitrix.issueTokens(victim, 1);
        frameInstall(victim, victimTokens, "victim-app-token").then().statusCode(200);
    }

    @Test
    void iframeInstallWithATokenTheOAuthServerRejects() {
        Map<String, Object> before = snapshot(victim);
        Tokens forged = new Tokens("not-a-real-token", "not-a-real-refresh", 1, victim.memberId);

        frameInstall(victim, forged, "attacker-token").then().statusCode(401)
                .contentType(containsString("text/html"))
                .body(containsString("could not verify"))
                .body(not(containsString("not-a-real-token")));

        assertThat(snapshot(victim)).isEqualTo(before);
    }

    @Test
    void iframeInstallWithAnotherPortalsTokenClaimingThisMemberId() {
        Map<String, Object> before = snapshot(victim);
        Portal attacker = bitrix.createPortal();
        Tokens attackerTokens = bitrix.issueTokens(attacker, 1);

        frameInstall(victim, attackerTokens, "attacker-token").then().statusCode(401)
                .body(containsString("belongs to another portal"));

        assertThat(snapshot(victim)).isEqualTo(before);
        assertThat(Database.portal(attacker.memberId)).isNull();
    }

    @Test
    void iframeInstallByANonAdminUserIsForbidden() {
        Map<String, Object> before = snapshot(victim);
        Tokens employee = bitrix.issueTokens(victim, 2);

        frameInstall(victim, employee, "employee-saw-this-token").then().statusCode(403)
                .body(containsString("administrator"));

        assertThat(snapshot(victim)).isEqualTo(before);
        event("ONAPPUNINSTALL", victim, "employee-saw-this-token").post("/b24/events").then().statusCode(401);
    }

    @Test
    void untrustedServerEndpointIsNeverCalled() {
        Map<String, Object> before = snapshot(victim);
        Portal portal = bitrix.createPortal();
        Tokens tokens = bitrix.issueTokens(portal, 1);

        frame(portal, tokens, bitrix.rogueOauthUrl() + "/rest/", "t").post("/b24/install").then().statusCode(401)
                .body(containsString("OAuth server this service does not trust"));
        appInstallEvent(portal, tokens, "t").formParam("auth[server_endpoint]", bitrix.rogueOauthUrl() + "/rest/")
                .post("/b24/events").then().statusCode(401);

        assertThat(bitrix.calls(c -> c.server().equals("rogue"))).isEmpty();
        assertThat(bitrix.calls(c -> c.rawBody().contains(TestEnvironment.CLIENT_SECRET)))
                .allSatisfy(c -> assertThat(c.server()).isIn("oauth", "oauth-b"));
        assertThat(Database.portal(portal.memberId)).isNull();
        assertThat(snapshot(victim)).isEqualTo(before);
    }

    @Test
    void eventsWithAWrongOrMissingApplicationTokenAreRefused() {
        Map<String, Object> before = snapshot(victim);

        event("ONAPPUNINSTALL", victim, "guess").formParam("data[CLEAN]", "1").post("/b24/events")
                .then().statusCode(401).contentType(containsString("application/json"))
                .body("error", Matchers.equalTo("unauthorized"));
        event("ONAPPUNINSTALL", victim, null).formParam("data[CLEAN]", "1").post("/b24/events")
                .then().statusCode(401);
        appUpdateEvent(victim, "").formParam("data[VERSION]", "9").post("/b24/events")
                .then().statusCode(401);

        assertThat(snapshot(victim)).isEqualTo(before);
    }

    @Test
    void eventsForAnUnknownPortalAreRefused() {
        Portal unknown = bitrix.createPortal();

        appUpdateEvent(unknown, "victim-app-token").post("/b24/events").then().statusCode(401);
        event("ONAPPUNINSTALL", unknown, "victim-app-token").post("/b24/events").then().statusCode(401);

        assertThat(Database.portal(unknown.memberId)).isNull();
    }

    @Test
    void onAppInstallWithAnotherPortalsTokenCannotReplaceTheApplicationToken() {
        Map<String, Object> before = snapshot(victim);
        Portal attacker = bitrix.createPortal();
        Tokens attackerTokens = bitrix.issueTokens(attacker, 1);

        given().contentType("application/x-www-form-urlencoded")
                .formParam("event", "ONAPPINSTALL")
                .formParam("auth[access_token]", attackerTokens.accessToken())
                .formParam("auth[refresh_token]", attackerTokens.refreshToken())
                .formParam("auth[member_id]", victim.memberId)
                .formParam("auth[application_token]", "attacker-app-token")
                .post("/b24/events").then().statusCode(401);
        appInstallEvent(victim, new Tokens("made-up", "made-up", 1, victim.memberId), "attacker-app-token")
                .post("/b24/events").then().statusCode(401);
        appInstallEvent(victim, bitrix.issueTokens(victim, 2), "attacker-app-token")
                .post("/b24/events").then().statusCode(403);

        assertThat(snapshot(victim)).isEqualTo(before);
        event("ONAPPUNINSTALL", victim, "attacker-app-token").post("/b24/events").then().statusCode(401);
    }

    @Test
    void oauthCallbackRefusesBadExpiredOrMisboundStates() {
        Portal portal = bitrix.createPortal();
        String validState = stateFor(portal.domain);
        String otherPortalsState = stateFor("other.bitrix24.test");

        callback(bitrix.issueCode(portal, 1), null, portal).then().statusCode(400).body(containsString("no state"));
        callback(bitrix.issueCode(portal, 1), "garbage", portal).then().statusCode(400).body(containsString("invalid or expired"));
        callback(bitrix.issueCode(portal, 1), tamper(validState), portal).then().statusCode(400);
        callback(bitrix.issueCode(portal, 1), otherPortalsState, portal).then().statusCode(400)
                .body(containsString("another portal"));
        callback(null, validState, portal).then().statusCode(400).body(containsString("no code"));
        callback("expired-or-unknown-code", validState, portal).then().statusCode(400)
                .body(containsString("not accepted"));

        assertThat(Database.portal(portal.memberId)).isNull();
    }

    @Test
    void oauthStartRefusesSomethingThatIsNotAHostName() {
        for (String domain : List.of("", "evil.com/path", "a b", "https://x.bitrix24.com", "x.com:99999999", "<script>")) {
            given().redirects().follow(false).queryParam("domain", domain).get("/b24/oauth/start")
                    .then().statusCode(400).body(containsString("host name"));
        }
        given().redirects().follow(false).get("/b24/oauth/start").then().statusCode(400);
        given().redirects().follow(false).queryParam("domain", "Portal.Bitrix24.com:8443").get("/b24/oauth/start")
                .then().statusCode(302);
    }

    @Test
    void oauthStartSendsBrowsersOnlyToBitrix24Portals() {
        for (String domain : List.of("evil.example", "bitrix24.com.evil.example", "evilbitrix24.com", "localhost:8080")) {
            given().redirects().follow(false).queryParam("domain", domain).get("/b24/oauth/start")
                    .then().statusCode(400).header("Location", Matchers.nullValue())
                    .body(containsString("not the address of a Bitrix24 portal"));
        }
        // An on-premise portal that installed the app here is known by its own domain.
        Portal onPremise = bitrix.createPortal("crm.example-corp.test");
        frameInstall(onPremise, bitrix.issueTokens(onPremise, 1), "t").then().statusCode(200);
        given().redirects().follow(false).queryParam("domain", "crm.example-corp.test").get("/b24/oauth/start")
                .then().statusCode(302);
    }

    private Response callback(String code, String state, Portal portal) {
        var spec = given().queryParam("domain", portal.domain).queryParam("member_id", portal.memberId);
        if (code != null) {
            spec.queryParam("code", code);
        }
        if (state != null) {
            spec.queryParam("state", state);
        }
        return spec.get("/b24/oauth/callback");
    }

    private static String stateFor(String domain) {
        String location = given().redirects().follow(false).queryParam("domain", domain).get("/b24/oauth/start")
                .then().statusCode(302).extract().header("Location");
        String raw = location.substring(location.indexOf("state=") + "state=".length());
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }

    /** Changes one character in the middle: the last one of base64 may only carry padding bits a decoder drops. */
    private static String tamper(String state) {
        int i = state.length() / 2;
        char c = state.charAt(i);
        return state.substring(0, i) + (c == 'A' ? 'B' : 'A') + state.substring(i + 1);
    }

    private static Map<String, Object> snapshot(Portal portal) {
        Map<String, Object> row = new LinkedHashMap<>(Database.portal(portal.memberId));
        row.put("application_token_hash", Arrays.toString((byte[]) row.get("application_token_hash")));
        Map<String, Object> token = Database.token(portal.memberId);
        row.put("token.version", token.get("version"));
        row.put("token.access", Arrays.toString((byte[]) token.get("access_token")));
        row.put("token.refresh", Arrays.toString((byte[]) token.get("refresh_token")));
        return row;
    }
}
