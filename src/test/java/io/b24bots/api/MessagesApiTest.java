package io.b24bots.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** The vendor's systems make a bot write, over HTTP, and read what became of it; every refusal as the contract has it. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class MessagesApiTest {

    static final String OPS = "Bearer ops-team-secret-0123456789abcdef";
    static final String CRM = "Bearer crm-system-secret-0123456789abcdef";
    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void aQueuedMessageIsSentAndItsReceiptSaysSo() {
        Portal portal = TestPortals.installed(bitrix);
        long support = TestPortals.botId(bitrix, portal, "b24bots_support");

        String id = api(OPS).body(Map.of("dialogId", "chat5", "text", "Deal 7 is [b]won[/b]",
                        "keyboard", List.of(Map.of("TEXT", "Open the deal", "LINK", "https://crm.example/deal/7")),
                        "attach", List.of(Map.of("MESSAGE", "Amount: 1,000"))))
                .post(messages(portal, "b24bots_support")).then().statusCode(202)
                .header("Location", containsString("/api/v1/messages/"))
                .body("state", equalTo("queued")).body("bot", equalTo("b24bots_support")).extract().path("id");

        await().atMost(Duration.ofSeconds(20)).until(() -> "sent".equals(api(OPS).get("/api/v1/messages/" + id).path("state")));
        Integer messageId = api(OPS).get("/api/v1/messages/" + id).then().statusCode(200).extract().path("messageId");
        assertThat(messageId).isPositive();
        assertThat(bitrix.imbot().messages(portal)).containsExactly(new SentMessage(support, "chat5", "Deal 7 is [b]won[/b]", "v2"));
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Chat.Message.send")).singleElement()
                .satisfies(call -> assertThat(call.rawBody()).contains("https://crm.example/deal/7", "Amount: 1,000"));
        api(CRM).get("/api/v1/messages/" + id).then().statusCode(404);
    }

    @Test
    void aRetryWithTheSameIdempotencyKeySendsOnce() {
        Portal portal = TestPortals.installed(bitrix);
        Map<String, String> body = Map.of("dialogId", "42", "text", "Invoice 12 is paid");

        String first = api(OPS).header("Idempotency-Key", "invoice-12").body(body).post(messages(portal, "b24bots_echo"))
                .then().statusCode(202).extract().path("id");
        String again = api(OPS).header("Idempotency-Key", "invoice-12").body(body).post(messages(portal, "b24bots_echo"))
                .then().statusCode(202).extract().path("id");
        String other = api(CRM).header("Idempotency-Key", "invoice-12").body(body).post(messages(portal, "b24bots_echo"))
                .then().statusCode(202).extract().path("id");
        TestPortals.awaitJobsSettled(portal);

        assertThat(again).isEqualTo(first);
        assertThat(other).as("another caller's key is its own").isNotEqualTo(first);
        assertThat(bitrix.imbot().messages(portal)).extracting(SentMessage::text).containsExactly("Invoice 12 is paid",
                "Invoice 12 is paid");
    }

    @Test
    void everyRefusalIsClearAndChangesNothing() {
        Portal portal = TestPortals.installed(bitrix);
        Map<String, String> body = Map.of("dialogId", "42", "text", "hello");

        api(null).body(body).post(messages(portal, "b24bots_echo")).then().statusCode(401).body("error", equalTo("unauthorized"));
        api("Bearer not-a-key-0123456789abcdefghij").body(body).post(messages(portal, "b24bots_echo")).then().statusCode(401);
        api(OPS).body(body).post("/api/v1/portals/" + "0".repeat(32) + "/bots/b24bots_echo/messages").then().statusCode(404);
        api(OPS).body(body).post("/api/v1/portals/not-a-member-id/bots/b24bots_echo/messages").then().statusCode(404);
        api(OPS).body(body).post(messages(portal, "nobody")).then().statusCode(404);
        api(OPS).body(Map.of("text", "no dialog")).post(messages(portal, "b24bots_echo")).then().statusCode(400)
                .body("error_description", containsString("dialogId"));
        api(OPS).body(Map.of("dialogId", "42", "text", "x", "keyboard", List.of(Map.of("TEXT", "Go", "LINK", "javascript:alert(1)"))))
                .post(messages(portal, "b24bots_echo")).then().statusCode(400)
                .body("error_description", containsString("keyboard[0].LINK"));
        api(OPS).body(Map.of("dialogId", "42", "text", "x", "colour", "red")).post(messages(portal, "b24bots_echo"))
                .then().statusCode(400).body("error_description", containsString("colour"));
        api(OPS).body("{not json").post(messages(portal, "b24bots_echo")).then().statusCode(400);
        api(OPS).get("/api/v1/messages/not-an-id").then().statusCode(404);

        TestPortals.uninstall(bitrix, portal, false);
        api(OPS).body(body).post(messages(portal, "b24bots_echo")).then().statusCode(409).body("error", equalTo("conflict"));
        assertThat(bitrix.imbot().messages(portal)).isEmpty();
    }

    @Test
    void aPortalAskedForTooManyMessagesIsToldToWait() {
        Portal portal = TestPortals.installed(bitrix);
        // The test budget is 30 a minute; requests refused for their body spend it too.
        for (int i = 0; i < 30; i++) {
            api(OPS).body(Map.of("text", "no dialog")).post(messages(portal, "b24bots_echo")).then().statusCode(400);
        }
        api(OPS).body(Map.of("dialogId", "42", "text", "one too many")).post(messages(portal, "b24bots_echo")).then().statusCode(429);
        Portal other = TestPortals.installed(bitrix);
        api(OPS).body(Map.of("dialogId", "42", "text", "a neighbour")).post(messages(other, "b24bots_echo")).then().statusCode(202);
    }

    /** A broadcast's audience: the active portals where the bot is registered, a page at a time. */
    @Test
    void thePortalsABotCanWriteToArePaged() {
        Portal first = TestPortals.installed(bitrix);
        Portal second = TestPortals.installed(bitrix);
        Portal gone = TestPortals.installed(bitrix);
        TestPortals.uninstall(bitrix, gone, false);

        List<String> all = new ArrayList<>();
        String after = null;
        do {
            var request = api(OPS).queryParam("limit", 2);
            if (after != null) {
                request.queryParam("after", after);
            }
            var page = request.get("/api/v1/bots/b24bots_echo/portals").then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("portals.memberId", String.class));
            after = page.getString("next");
        } while (after != null);

        assertThat(all).contains(first.memberId, second.memberId).doesNotContain(gone.memberId).doesNotHaveDuplicates();
        assertThat(all).isSorted();
        api(OPS).get("/api/v1/bots/nobody/portals").then().statusCode(404);
        api(OPS).queryParam("limit", 0).get("/api/v1/bots/b24bots_echo/portals").then().statusCode(400);
        api(null).get("/api/v1/bots/b24bots_echo/portals").then().statusCode(401);
    }

    @Test
    void theApiIsDescribedInOpenApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/api/v1/portals/{memberId}/bots/{code}/messages"))
                .body(containsString("/api/v1/messages/{id}"))
                .body(containsString("bearer"));
    }

    private static String messages(Portal portal, String bot) {
        return "/api/v1/portals/" + portal.memberId + "/bots/" + bot + "/messages";
    }

    private static RequestSpecification api(String authorization) {
        RequestSpecification spec = given().contentType(ContentType.JSON);
        return authorization == null ? spec : spec.header("Authorization", authorization);
    }
}
