package io.b24bots.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.b24bots.install.MarketplaceStatusJob;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * The operator console over HTTP as a browser uses it: nobody gets in without signing in, every action
 * needs its form's CSRF token and is audited, and what it shows comes from the database, never a token.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ConsoleTest {

    static final String PASSWORD = "correct horse battery";
    static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\"");

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    MarketplaceStatusJob marketplace;

    @Test
    void nobodyGetsInAnonymouslyAndThePagesAreNeverFramed() {
        Portal portal = TestPortals.installed(bitrix);
        for (String path : new String[] {"/console", "/console/portals", "/console/portals/" + portal.memberId, "/console/queue",
                "/console/rollout", "/console/audit"}) {
            given().redirects().follow(false).get(path).then().statusCode(302)
                    .header("Location", endsWith("/console/login"))
                    .body(not(containsString(portal.memberId)));
        }
        given().redirects().follow(false).formParam("csrf", "x").post("/console/portals/" + portal.memberId + "/pause")
                .then().statusCode(302);
        assertThat(Database.count("select count(*) from portal_pause where member_id = ?", portal.memberId)).isZero();

        given().get("/console/login").then().statusCode(200)
                .header("Content-Security-Policy", "frame-ancestors 'none'")
                .header("X-Frame-Options", "DENY")
                .header("Cache-Control", "no-store")
                .body(containsString("name=\"j_password\""));
    }

    @Test
    void aWrongPasswordGetsNoSessionAndTooManyLockTheAccount() {
        Response wrong = login("carol", "wrong");
        assertThat(wrong.getHeader("Location")).contains("/console/login?error=1");
        assertThat(wrong.getCookie("quarkus-credential")).isNull();
        given().get("/console/login?error=1").then().body(containsString("The name or the password is wrong"));
        assertThat(login("nobody", PASSWORD).getCookie("quarkus-credential")).isNull();

        login("carol", "wrong");
        login("carol", "wrong");
        // b24.console.failed-logins-allowed=3 in tests: the right password is refused now too.
        assertThat(login("carol", PASSWORD).getCookie("quarkus-credential")).isNull();

        Response right = login("alice", PASSWORD);
        assertThat(right.getHeader("Location")).endsWith("/console");
        assertThat(right.getDetailedCookie("quarkus-credential").isHttpOnly()).isTrue();
        assertThat(right.getDetailedCookie("quarkus-credential").getPath()).isEqualTo("/console");
        assertThat(right.getHeader("Set-Cookie")).containsIgnoringCase("SameSite=Strict");
    }

    @Test
    void theOverviewAndThePortalPageShowTheFleetAndNeverAToken() {
        Portal portal = TestPortals.installed(bitrix);
        String accessToken = bitrix.latestTokens(portal).accessToken();
        String session = session();

        long active = Database.count("select count(*) from portal where status = 'active'");
        signedIn(session).get("/console").then().statusCode(200)
                .header("Content-Security-Policy", "frame-ancestors 'none'")
                .body(containsString("data-counter=\"portals-active\">" + active + "<"))
                .body(containsString("active portals in step"))
                .body(containsString(">alice<"));

        signedIn(session).queryParam("q", portal.domain.substring(0, 8)).get("/console/portals").then().statusCode(200)
                .body(containsString("data-member=\"" + portal.memberId + "\""));
        signedIn(session).queryParam("q", portal.memberId).get("/console/portals").then().statusCode(200)
                .body(containsString("1–1 of 1"));
        signedIn(session).queryParam("status", "uninstalled").queryParam("q", portal.memberId).get("/console/portals")
                .then().body(containsString("No portal matches."));

        String page = signedIn(session).get("/console/portals/" + portal.memberId).then().statusCode(200)
                .body(containsString("data-code=\"b24bots_echo\""))
                .body(containsString("Access token expires"))
                .extract().asString();
        assertThat(page).doesNotContain(accessToken).doesNotContain(bitrix.latestTokens(portal).refreshToken())
                .doesNotContain(TestPortals.applicationToken(portal));

        // A cookie that was not sealed by the service opens nothing.
        given().redirects().follow(false).cookie("quarkus-credential", session.substring(0, session.length() - 4) + "AAAA")
                .get("/console").then().statusCode(302).header("Location", endsWith("/console/login"));
        List<String> out = signedIn(session).redirects().follow(false).post("/console/logout").then().statusCode(303)
                .extract().headers().getValues("Set-Cookie");
        assertThat(out).anySatisfy(cookie -> assertThat(cookie).startsWith("quarkus-credential=;").contains("Max-Age=0"));

        signedIn(session).get("/console/portals/" + "0".repeat(32)).then().statusCode(404)
                .header("X-Frame-Options", "DENY");
        signedIn(session).get("/console/portals?page=99999").then().statusCode(400);
    }

    @Test
    void anActionWithoutItsCsrfTokenChangesNothing() {
        Portal portal = TestPortals.installed(bitrix);
        String session = session();
        signedIn(session).post("/console/portals/" + portal.memberId + "/pause").then().statusCode(403)
                .body(containsString("CSRF"));
        signedIn(session).formParam("csrf", "forged").post("/console/portals/" + portal.memberId + "/pause").then()
                .statusCode(403);
        assertThat(Database.count("select count(*) from portal_pause where member_id = ?", portal.memberId)).isZero();
        assertThat(Database.count("select count(*) from operator_action where member_id = ?", portal.memberId)).isZero();
    }

    @Test
    void retryingAPortalsFailedWorkRunsItAgainAndIsAudited() {
        Portal portal = TestPortals.installed(bitrix);
        long job = failedJob(portal, "bind-app-events", "ERROR_CORE: the portal refused it");
        String session = session();
        signedIn(session).queryParam("code", "ERROR_CORE").get("/console/portals").then()
                .body(containsString("data-member=\"" + portal.memberId + "\""));

        signedIn(session).formParam("csrf", csrf(session, "/console/portals/" + portal.memberId))
                .redirects().follow(false).post("/console/portals/" + portal.memberId + "/retry-failed")
                .then().statusCode(303).header("Location", containsString("done=retried&n=1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(Database.text("select status from job where id = ?", job)));

        signedIn(session).get("/console/audit").then()
                .body(containsString("retry-failed-work"))
                .body(containsString(portal.memberId))
                .body(containsString("1 failed job(s) queued again"));
    }

    @Test
    void aPausedPortalsJobsWaitWhileOthersRunUntilItIsResumed() {
        Portal paused = TestPortals.installed(bitrix);
        Portal other = TestPortals.installed(bitrix);
        String session = session();
        String token = csrf(session, "/console/portals/" + paused.memberId);
        signedIn(session).formParam("csrf", token).post("/console/portals/" + paused.memberId + "/pause").then().statusCode(200)
                .body(containsString("The portal is paused"))
                .body(containsString("Resume portal"));

        long held = queuedJob(paused);
        long ran = queuedJob(other);
        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(Database.text("select status from job where id = ?", ran)));
        assertThat(Database.text("select status from job where id = ?", held)).isEqualTo("queued");
        signedIn(session).queryParam("q", paused.memberId).get("/console/portals").then()
                .body(containsString("<span class=\"badge badge-pending\">paused</span>"));

        signedIn(session).formParam("csrf", token).post("/console/portals/" + paused.memberId + "/resume").then().statusCode(200)
                .body(containsString("The portal is resumed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(Database.text("select status from job where id = ?", held)));
        assertThat(Database.count("select count(*) from operator_action where member_id = ? and action in ('pause-portal', 'resume-portal')",
                paused.memberId)).isEqualTo(2);
    }

    @Test
    void theDeadSetIsFilteredByCodeAndItsJobsRetriedOrDiscarded() {
        Portal portal = TestPortals.installed(bitrix);
        long kept = failedJob(portal, "bind-app-events", "QUERY_LIMIT_EXCEEDED: too many requests");
        long discarded = failedJob(portal, "bind-app-events", "ACCESS_DENIED: not allowed");
        String session = session();
        String token = csrf(session, "/console/queue");

        signedIn(session).queryParam("code", "ACCESS_DENIED").get("/console/queue").then().statusCode(200)
                .body(containsString("data-job=\"" + discarded + "\""))
                .body(not(containsString("data-job=\"" + kept + "\"")));
        signedIn(session).formParam("csrf", token).formParam("id", String.valueOf(discarded)).redirects().follow(false)
                .post("/console/queue/discard").then().statusCode(303);
        assertThat(Database.count("select count(*) from job where id = ?", discarded)).isZero();

        signedIn(session).formParam("csrf", token).formParam("all", "true").formParam("code", "QUERY_LIMIT_EXCEEDED")
                .formParam("set", "failed").redirects().follow(false).post("/console/queue/retry").then().statusCode(303);
        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(Database.text("select status from job where id = ?", kept)));
        assertThat(Database.count("select count(*) from operator_action where member_id = ? and action = 'discard-jobs'",
                portal.memberId)).isEqualTo(1);
        signedIn(session).formParam("csrf", token).post("/console/queue/retry").then().statusCode(400);
    }

    @Test
    void theRolloutIsPausedAndResumed() {
        Portal portal = TestPortals.installed(bitrix);
        String session = session();
        long outOfStep = counter(signedIn(session).get("/console/rollout").asString(), "out-of-step");
        // A bot whose fields in the portal are not the declared ones: the portal is out of step.
        Database.update("update bot set applied_fingerprint = 'stale' where member_id = ? and code = 'b24bots_echo'", portal.memberId);
        assertThat(counter(signedIn(session).get("/console/rollout").asString(), "out-of-step")).isEqualTo(outOfStep + 1);

        String token = csrf(session, "/console/rollout");
        signedIn(session).formParam("csrf", token).post("/console/rollout/pause").then().statusCode(200)
                .body(containsString("id=\"rollout-paused\""))
                .body(containsString("Paused by alice"));
        signedIn(session).formParam("csrf", token).post("/console/rollout/resume").then().statusCode(200)
                .body(not(containsString("id=\"rollout-paused\"")))
                .body(containsString("Pause rollout"));
        assertThat(Database.count("select count(*) from operator_action where action in ('pause-rollout', 'resume-rollout')"))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void theMarketplaceStatusIsReadFromAppInfo() {
        Portal portal = TestPortals.installed(bitrix);
        portal.appStatus = "T";
        portal.paymentExpired = true;
        portal.daysLeft = -3;
        marketplace.queueDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.portal(portal.memberId).get("app_info_at") != null);
        signedIn(session()).get("/console/portals/" + portal.memberId).then().statusCode(200)
                .body(containsString("trial (T)"))
                .body(containsString("<strong class=\"bad\">yes</strong>"))
                .body(containsString("<dt>Days left</dt><dd>-3</dd>"));
    }

    static long counter(String page, String name) {
        Matcher found = Pattern.compile("data-counter=\"" + name + "\">(\\d+)<").matcher(page);
        assertThat(found.find()).as("counter " + name).isTrue();
        return Long.parseLong(found.group(1));
    }

    static Response login(String name, String password) {
        return given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                .formParam("j_username", name).formParam("j_password", password)
                .post("/console/j_security_check");
    }

    /** Signs alice in; the login cookie's value. */
    static String session() {
        String cookie = login("alice", PASSWORD).getCookie("quarkus-credential");
        assertThat(cookie).as("alice signs in").isNotNull();
        return cookie;
    }

    static RequestSpecification signedIn(String session) {
        return given().cookie("quarkus-credential", session);
    }

    /** The CSRF token of the forms on {@code page}. */
    static String csrf(String session, String page) {
        Matcher found = CSRF.matcher(signedIn(session).get(page).asString());
        assertThat(found.find()).as("a form with a CSRF token on " + page).isTrue();
        return found.group(1);
    }

    static long failedJob(Portal portal, String kind, String error) {
        return Database.number("""
                insert into job (kind, member_id, status, attempts, run_at, last_error, created_at, updated_at)
                values (?, ?, 'failed', 10, now(), ?, now(), now()) returning id""", kind, portal.memberId, error);
    }

    /** A job that needs only the portal's event list: it runs quickly and leaves the portal as it was. */
    static long queuedJob(Portal portal) {
        return Database.number("""
                insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at)
                values ('bind-app-events', ?, 'queued', 0, now(), now(), now()) returning id""", portal.memberId);
    }
}
