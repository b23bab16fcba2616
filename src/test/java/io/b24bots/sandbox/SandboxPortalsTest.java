package io.b24bots.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's portals and trouble buttons through its JSON calls (what the page's buttons do),
 * checked where a user would look: the portal's chat, the admin page, the service's records.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SandboxPortalsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void twoPortalsAtOnceEachWithItsOwnBots() {
        String first = installedPortal();
        String second = installedPortal();

        JsonPath state = given().get("/dev/portal/api/state").then().statusCode(200).extract().jsonPath();
        assertThat(state.getList("portals.memberId", String.class)).contains(first, second);
        long echoInFirst = bot(first, "b24bots_echo");
        long echoInSecond = bot(second, "b24bots_echo");

        write(first, echoInFirst, 1, "to the first");
        write(second, echoInSecond, 2, "to the second");

        awaitReply(first, echoInFirst, 1, "You wrote: to the first");
        awaitReply(second, echoInSecond, 2, "You wrote: to the second");
        assertThat(chat(first, echoInFirst, 1)).noneMatch(line -> line.contains("to the second"));
    }

    @Test
    void anEmployeeOpensTheAppAndSeesNoAdminActions() {
        String portal = installedPortal();
        Response frame = given().post("/dev/portal/api/portals/" + portal + "/frame?user=2");
        String page = openFrame(frame).then().statusCode(200).extract().asString();
        assertThat(page).contains("only a portal administrator can change them").doesNotContain("actions/retry");

        given().post("/dev/portal/api/portals/" + portal + "/frame?user=7").then().statusCode(400)
                .body("error", containsString("user must be"));
    }

    @Test
    void aFailedRegisterCallIsRetriedAndTheBotsStillArrive() {
        String memberId = newPortal();
        trouble(memberId, "fail-register");
        openFrame(given().post("/dev/portal/api/portals/" + memberId + "/frame?install=true")).then().statusCode(200);
        Portal portal = bitrix.portal(memberId);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.calls(memberId, "imbot.register")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(bitrix.imbot().liveBots(portal, "b24bots_echo")).hasSize(1);
        // The four bots of the test configuration; a bot declared besides them is not counted.
        assertThat(Database.count("select count(*) from bot where member_id = ? and status = 'registered'"
                + " and code in ('b24bots_echo', 'b24bots_helper', 'b24bots_lines', 'b24bots_support')", memberId))
                .isEqualTo(4);
    }

    @Test
    void expiredTokensARateLimitAndAMovedPortalStillGetReplies() {
        String portal = installedPortal();
        long echo = bot(portal, "b24bots_echo");

        trouble(portal, "expire-tokens");
        write(portal, echo, 1, "after expiry");
        awaitReply(portal, echo, 1, "You wrote: after expiry");

        // Under the limit the helper's polling (every second in tests) alone fills the portal's bucket, so
        // replies get 503 and wait in the job queue; once the limit is lifted they arrive.
        given().post("/dev/portal/api/portals/" + portal + "/trouble/rate-limit?on=true").then().statusCode(200)
                .body("rateLimited", equalTo(true));
        String token = bitrix.issueTokens(bitrix.portal(portal), 1).accessToken();
        List<Integer> statuses = IntStream.range(0, 4).mapToObj(i -> given().baseUri(bitrix.baseUrl())
                .formParam("auth", token).post(bitrix.clientEndpoint(bitrix.portal(portal)).replace(bitrix.baseUrl(), "")
                        + "server.time").statusCode()).toList();
        assertThat(statuses).contains(503);
        int sendsBefore = bitrix.calls(portal, "imbot.message.add").size();
        write(portal, echo, 1, "limited one");
        write(portal, echo, 1, "limited two");
        await().atMost(Duration.ofSeconds(20)).until(() -> bitrix.calls(portal, "imbot.message.add").size() >= sendsBefore + 2);
        given().post("/dev/portal/api/portals/" + portal + "/trouble/rate-limit?on=false").then().statusCode(200)
                .body("rateLimited", equalTo(false));
        // A reply that met the limit waits for its job's next attempt (back-off doubles per attempt).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> chat(portal, echo, 1)
                .containsAll(List.of("You wrote: limited one", "You wrote: limited two")));

        trouble(portal, "move");
        write(portal, echo, 1, "after the move");
        awaitReply(portal, echo, 1, "You wrote: after the move");
    }

    @Test
    void uninstallWithAndWithoutCleanReachesTheService() {
        String kept = installedPortal();
        String cleaned = installedPortal();

        trouble(kept, "uninstall");
        trouble(cleaned, "uninstall-clean");

        for (String memberId : List.of(kept, cleaned)) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> "uninstalled".equals(Database.portal(memberId).get("status")));
            JsonPath state = state(memberId, null, 1);
            assertThat(state.getList("current.bots")).isEmpty();
            assertThat(state.getList("current.activity.text", String.class))
                    .anyMatch(text -> text.startsWith("ONAPPUNINSTALL POSTed to /b24/events: 200"));
        }
        assertThat(Database.portal(kept).get("domain")).isNotNull();
    }

    @Test
    void badRequestsGetClearAnswers() {
        String portal = newPortal();
        given().post("/dev/portal/api/portals/" + portal + "/trouble/flood").then().statusCode(404)
                .body("error", containsString("Unknown trouble"));
        given().post("/dev/portal/api/portals/nope/trouble/move").then().statusCode(404)
                .body("error", containsString("No sandbox portal"));
        given().contentType(ContentType.JSON).body(Map.of("bot", 1, "text", " ")).post("/dev/portal/api/portals/" + portal + "/messages")
                .then().statusCode(400).body("error", containsString("text"));
        given().contentType(ContentType.JSON).body(Map.of("bot", 999_999, "text", "hi"))
                .post("/dev/portal/api/portals/" + portal + "/messages").then().statusCode(400)
                .body("error", containsString("no bot 999999"));
        given().delete("/dev/portal/api/portals/" + portal).then().statusCode(200);
        given().get("/dev/portal/api/state").then().body("portals.memberId", Matchers.not(
                Matchers.hasItem(portal)));
    }

    @Test
    void theDevHomeLinksToEverything() {
        String home = given().get("/").then().statusCode(200).extract().asString();
        assertThat(home).contains("href=\"/dev/portal\"", "href=\"/q/health\"", "href=\"/q/metrics\"", "href=\"/q/dev-ui\"");
    }

    @Test
    void aTypedCommandAndItsKeyboardButtonReachTheBotAsCommands() {
        String portal = installedPortal();
        long echo = bot(portal, "b24bots_echo");

        // The test declarations give Echo a /menu command, answered with a keyboard.
        write(portal, echo, 1, "/menu");
        awaitReply(portal, echo, 1, "[b]Menu[/b] of Echo");
        JsonPath state = state(portal, echo, 1);
        Map<String, Object> answer = state.getList("current.chat", Map.class).stream()
                .filter(line -> "[b]Menu[/b] of Echo".equals(line.get("text"))).findFirst().orElseThrow();
        assertThat((List<?>) answer.get("buttons")).isNotEmpty();

        given().contentType(ContentType.JSON).body(Map.of("bot", echo, "user", 1, "message", answer.get("id"), "button", 0))
                .post("/dev/portal/api/portals/" + portal + "/press").then().statusCode(200).body("pressed", equalTo("command"));
        awaitReply(portal, echo, 1, "More for Echo");
        assertThat(chat(portal, echo, 1)).as("a command is not echoed as a message").doesNotContain("You wrote: /menu");
    }

    @Test
    void inTheTeamChatTheMentionedBotAnswersAndTheSupervisorListens() {
        String portal = installedPortal();
        long team = state(portal, null, 1).getLong("current.teamChat");

        write(portal, team, 1, "@Echo hello team");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat(portal, team, 1).contains("You wrote: hello team"));
        List<Map> lines = state(portal, team, 1).getList("current.chat", Map.class);
        assertThat(lines).filteredOn(line -> "bot".equals(line.get("from"))).extracting(line -> line.get("author"))
                .as("Helper was not mentioned and sees only what mentions it").containsOnly("Echo");

        assertThat(state(portal, null, 1).getList("current.activity.text", String.class))
                .as("the supervisor bot sees every message of its chats").anyMatch(line -> line.contains("goes to")
                        && line.contains("Echo (mentioned)") && line.contains("Support (sees every message)")
                        && !line.contains("Helper"));
    }

    // ---- helpers -----------------------------------------------------------------------------

    private String newPortal() {
        return given().post("/dev/portal/api/portals").then().statusCode(200).extract().path("memberId");
    }

    private String installedPortal() {
        String memberId = newPortal();
        openFrame(given().post("/dev/portal/api/portals/" + memberId + "/frame?install=true")).then().statusCode(200);
        TestPortals.awaitJobsSettled(bitrix.portal(memberId));
        return memberId;
    }

    /** Does what the page's iframe form does with the fields the sandbox hands it. */
    private static Response openFrame(Response frame) {
        frame.then().statusCode(200);
        Map<String, String> fields = frame.jsonPath().getMap("fields", String.class, String.class);
        return given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParams(fields)
                .post(frame.jsonPath().getString("action"));
    }

    private long bot(String memberId, String code) {
        return state(memberId, null, 1).getList("current.bots", Map.class).stream()
                .filter(b -> code.equals(b.get("code"))).map(b -> ((Number) b.get("id")).longValue()).findFirst().orElseThrow();
    }

    private static void trouble(String memberId, String kind) {
        given().post("/dev/portal/api/portals/" + memberId + "/trouble/" + kind).then().statusCode(200);
    }

    private static void write(String memberId, long bot, long user, String text) {
        given().contentType(ContentType.JSON).body(Map.of("bot", bot, "user", user, "text", text))
                .post("/dev/portal/api/portals/" + memberId + "/messages").then().statusCode(200);
    }

    private static JsonPath state(String memberId, Long bot, long user) {
        var request = given().queryParam("portal", memberId).queryParam("user", user);
        if (bot != null) {
            request.queryParam("bot", bot);
        }
        return request.get("/dev/portal/api/state").then().statusCode(200).extract().jsonPath();
    }

    private static List<String> chat(String memberId, long bot, long user) {
        return state(memberId, bot, user).getList("current.chat.text", String.class);
    }

    private static void awaitReply(String memberId, long bot, long user, String text) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat(memberId, bot, user).contains(text));
    }
}
