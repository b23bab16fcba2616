package io.b24bots.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Operators sign in through the vendor's identity provider (OIDC authorization code flow, over real HTTP
 * to {@link OidcProvider}): a member of the operator group gets in, anyone else is refused, and the
 * console's form login is not a way around it.
 */
@QuarkusTest
@TestProfile(ConsoleOidcTest.Oidc.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ConsoleOidcTest {

    static final String PROVIDER = OidcProvider.shared();

    /** The console signing in through the shared {@link OidcProvider}. */
    public static class Oidc implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "b24.console.auth-mechanism", "code",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.auth-server-url", OidcProvider.shared(),
                    "quarkus.oidc.client-id", "b24bots-console",
                    "quarkus.oidc.credentials.secret", "provider-secret",
                    "quarkus.oidc.roles.role-claim-path", "groups",
                    "quarkus.oidc.token.principal-claim", "preferred_username");
        }
    }

    @Test
    void aMemberOfTheOperatorGroupSignsInThroughTheProvider() {
        OidcProvider.signInAs(PROVIDER, "olga", "staff,b24bots-operator");
        Map<String, String> cookies = signIn();
        given().cookies(cookies).get("/console").then().statusCode(200)
                .body(containsString(">olga<"))
                .body(containsString("Overview"));
        assertThat(OidcProvider.tokenRequests(PROVIDER)).as("the code was exchanged at the provider").isPositive();
    }

    @Test
    void someoneOutsideTheGroupIsRefused() {
        OidcProvider.signInAs(PROVIDER, "mallory", "staff");
        Map<String, String> cookies = signIn();
        given().cookies(cookies).redirects().follow(false).get("/console").then().statusCode(403);
    }

    @Test
    void theFormLoginIsNoWayAround() {
        Response login = ConsoleTest.login("alice", ConsoleTest.PASSWORD);
        String cookie = login.getCookie("quarkus-credential");
        // Whatever the form answered, its cookie does not open a console that signs in through OIDC.
        Response page = given().redirects().follow(false).cookie("quarkus-credential", cookie == null ? "x" : cookie).get("/console");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.getHeader("Location")).startsWith(PROVIDER + "/authorize");
    }

    /** Follows the code flow as a browser does, by hand: the console, the provider, back to the console. */
    private static Map<String, String> signIn() {
        Map<String, String> cookies = new HashMap<>();
        Response toProvider = given().redirects().follow(false).get("/console");
        assertThat(toProvider.statusCode()).isEqualTo(302);
        assertThat(toProvider.getHeader("Location")).startsWith(PROVIDER + "/authorize");
        cookies.putAll(toProvider.getCookies());
        Response fromProvider = given().redirects().follow(false).urlEncodingEnabled(false).get(toProvider.getHeader("Location"));
        assertThat(fromProvider.statusCode()).isEqualTo(302);
        Response callback = given().redirects().follow(false).cookies(cookies).urlEncodingEnabled(false)
                .get(fromProvider.getHeader("Location"));
        assertThat(callback.statusCode()).as(callback.asString()).isIn(200, 302);
        cookies.putAll(callback.getCookies());
        assertThat(cookies).containsKey("q_session");
        return cookies;
    }
}
