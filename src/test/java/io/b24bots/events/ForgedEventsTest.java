package io.b24bots.events;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static io.b24bots.testing.BitrixRequests.event;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.b24bots.bot.registration.BotRegistrationTest;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of a portal user who copied the application token from the app's frame: every
 * event they can forge is refused, or accepted and then found out, with nothing changed.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ForgedEventsTest {

    static final long ADMIN = 1;
    static final long EMPLOYEE = 2;

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    Portal portal;
    String appToken;
    long echo;
    long support;

    @BeforeEach
    void install() {
        portal = TestPortals.installed(bitrix);
        appToken = TestPortals.applicationToken(portal);
        echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        support = TestPortals.botId(bitrix, portal, "b24bots_support");
    }

    @Test
    void aForgedUninstallChangesNothingWithOrWithoutClean() {
        Map<String, Object> before = snapshot();
        double refused = Metrics.sum("b24_events_refused_total", "reason=\"uninstall_not_confirmed\"");

        for (String clean : new String[] {"1", "0"}) {
            event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", clean).post("/b24/events")
                    .then().statusCode(200);
            TestPortals.awaitJobsSettled(portal);
        }

        assertThat(snapshot()).isEqualTo(before);
        assertThat(BotRegistrationTest.bots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"uninstall_not_confirmed\"")).isEqualTo(refused + 2);
        // The bots still answer.
        v1Message(botToken(echo), userToken(42), "42", 42, "still here?").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
    }

    @Test
    void anUninstallThatCannotBeConfirmedWaitsAndPurgesNothing() {
        bitrix.failNextOAuth(portal, "app.info", 1_000, 503, "temporarily_unavailable");

        event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", "1").post("/b24/events").then().statusCode(200);

        await().until(() -> Database.count("select count(*) from job where member_id = ? and kind = 'confirm-uninstall'"
                + " and status = 'queued' and attempts >= 1", portal.memberId) == 1);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertThat(Database.token(portal.memberId)).isNotNull();
        assertThat(BotRegistrationTest.bots(portal)).hasSize(4);
    }

    /**
     * The quiet portal's stored access token has expired, and the OAuth server answers one refresh with
     * invalid_client (our configuration, not a revocation): a forged ONAPPUNINSTALL with CLEAN=1 must wait,
     * not purge, and once the server answers again it is refused.
     */
    @Test
    void aForgedUninstallDuringAnOAuthHiccupPurgesNothing() {
        Map<String, Object> before = snapshot();
        expireStoredToken();
        bitrix.failNextOAuth(portal, "oauth/token", 1, 401, "invalid_client");
        double refused = Metrics.sum("b24_events_refused_total", "reason=\"uninstall_not_confirmed\"");

        event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", "1").post("/b24/events").then().statusCode(200);

        awaitConfirmationDeferred();
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertThat(Database.token(portal.memberId)).isNotNull();
        assertThat(BotRegistrationTest.bots(portal)).hasSize(4);
        assertThat(Database.text("select last_error from job where member_id = ? and kind = 'confirm-uninstall'", portal.memberId))
                .contains("client credentials");

        Database.update("update job set run_at = now() where member_id = ? and kind = 'confirm-uninstall'", portal.memberId);
        TestPortals.awaitJobsSettled(portal);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertThat(BotRegistrationTest.bots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"uninstall_not_confirmed\"")).isEqualTo(refused + 1);
        assertThat(snapshot().get("status")).isEqualTo(before.get("status"));
    }

    /** reauth_required is not uninstalled: the forged event makes the service ask, and the refresh still works. */
    @Test
    void aPortalWaitingForReauthorisationIsNotUninstalledByAForgedEvent() {
        Database.update("update portal set status = 'reauth_required' where member_id = ?", portal.memberId);

        event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", "1").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(Database.portal(portal.memberId).get("status")).as("its refresh token works: authorised again")
                .isEqualTo("active");
        assertThat(Database.token(portal.memberId)).isNotNull();
        assertThat(BotRegistrationTest.bots(portal)).hasSize(4);
    }

    @Test
    void aGenuineUninstallOfAPortalWaitingForReauthorisationIsConfirmed() {
        bitrix.uninstallApp(portal);
        Database.update("update portal set status = 'reauth_required' where member_id = ?", portal.memberId);

        event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", "1").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("uninstalled");
        assertThat(Database.token(portal.memberId)).isNull();
    }

    /**
     * A refresh token that a grant may have spent (its answer was lost) is refused with invalid_grant
     * whether or not the app was removed: that proves nothing, so the uninstall waits.
     */
    @Test
    void anInvalidGrantForARefreshTokenInDoubtConfirmsNothing() {
        expireStoredToken();
        bitrix.revokeRefreshTokens(portal);
        Database.update("update portal_token set refresh_in_doubt = true where member_id = ?", portal.memberId);

        event("ONAPPUNINSTALL", portal, appToken).formParam("data[CLEAN]", "1").post("/b24/events").then().statusCode(200);

        awaitConfirmationDeferred();
        assertThat(Database.text("select last_error from job where member_id = ? and kind = 'confirm-uninstall'", portal.memberId))
                .contains("may have been spent");
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertThat(Database.token(portal.memberId)).isNotNull();
        assertThat(bitrix.refreshes(portal)).as("a token in doubt is not even sent").isEmpty();
    }

    private void expireStoredToken() {
        Database.update("update portal_token set expires_at = now() - interval '1 minute' where member_id = ?", portal.memberId);
    }

    private void awaitConfirmationDeferred() {
        await().until(() -> Database.count("select count(*) from job where member_id = ? and kind = 'confirm-uninstall'"
                + " and status = 'queued' and attempts >= 1", portal.memberId) == 1);
    }

    @Test
    void aGenuineUninstallIsConfirmedAndThenOnlyAReinstallIsHeard() {
        TestPortals.uninstall(bitrix, portal, true);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("uninstalled");
        assertThat(Database.token(portal.memberId)).isNull();

        v1Message(botToken(echo), userToken(42), "42", 42, "after").post("/b24/events").then().statusCode(401);
        appUpdateEvent(portal, appToken).post("/b24/events").then().statusCode(401);
        event("ONAPPUNINSTALL", portal, appToken).post("/b24/events").then().statusCode(401);
        assertThat(Database.count("select count(*) from job where member_id = ? and status = 'queued'", portal.memberId)).isZero();

        appInstallEvent(portal, bitrix.issueTokens(portal, ADMIN), "reinstalled").post("/b24/events").then().statusCode(200);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
    }

    @Test
    void botMessagesWithMadeUpTokensAreRefused() {
        double refused = Metrics.sum("b24_events_refused_total", "reason=\"token_refused\"");

        v1Message("made-up-bot-token", "made-up-user-token", "42", 42, "phish").post("/b24/events").then().statusCode(401);
        v1Message(botToken(echo), "made-up-user-token", "42", 42, "phish").post("/b24/events").then().statusCode(401);
        v2Message("made-up-bot-token", ADMIN, "phish").post("/b24/events").then().statusCode(401);
        v1Event("ONIMBOTMESSAGEADD", null).formParam("data[PARAMS][MESSAGE]", "no token at all").post("/b24/events")
                .then().statusCode(401);

        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"token_refused\"")).isGreaterThanOrEqualTo(refused + 3);
        assertNothingQueuedOrSent();
    }

    @Test
    void anEmployeesOwnValidTokenCannotSteerABotIntoTheAdminsChat() {
        String employee = userToken(EMPLOYEE);

        // As the bot's token: it belongs to the employee, not to the bot.
        v1Message(employee, employee, String.valueOf(ADMIN), EMPLOYEE, "phish").post("/b24/events").then().statusCode(401);
        v2Message(employee, ADMIN, "phish").post("/b24/events").then().statusCode(401);
        // As the author's token, claiming the admin wrote it.
        v1Message(botToken(echo), employee, String.valueOf(ADMIN), ADMIN, "phish").post("/b24/events").then().statusCode(401);
        // Honest about the author, but naming the admin's private dialog.
        v1Message(botToken(echo), employee, String.valueOf(ADMIN), EMPLOYEE, "phish").post("/b24/events").then().statusCode(401);

        assertNothingQueuedOrSent();
        // The employee's own dialog works.
        v1Message(botToken(echo), employee, String.valueOf(EMPLOYEE), EMPLOYEE, "hi").post("/b24/events").then().statusCode(200);
        await().until(() -> imbot.messages(portal).size() == 1);
        assertThat(imbot.messages(portal).getFirst().dialogId()).isEqualTo(String.valueOf(EMPLOYEE));
    }

    @Test
    void aForgedBotDeletionLeavesTheLiveBotAlone() {
        double refused = Metrics.sum("b24_events_refused_total", "reason=\"bot_still_exists\"");

        event("ONIMBOTV2DELETE", portal, appToken).formParam("data[bot][id]", String.valueOf(support))
                .formParam("data[bot][auth][member_id]", portal.memberId).post("/b24/events").then().statusCode(200);
        event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", String.valueOf(echo))
                .formParam("data[BOT_CODE]", "b24bots_echo").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(BotRegistrationTest.bots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        assertThat(Metrics.sum("b24_events_refused_total", "reason=\"bot_still_exists\"")).isEqualTo(refused + 2);
    }

    /**
     * A flood of forged deletions of a live bot, each with half a megabyte of padding: they share one
     * check at a time (not one per event), keep only the bot's id, and a genuine reply is not held up
     * behind them (before: 150 of them delayed a reply by 51 s and stored 70 MB).
     */
    @Test
    void aFloodOfForgedDeletionsCostsOneCheckAndAFewBytes() {
        String padding = "x".repeat(480 * 1024);
        for (int i = 0; i < 150; i++) {
            event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", String.valueOf(echo))
                    .formParam("data[BOT_CODE]", "b24bots_echo").formParam("data[PADDING]", padding + i)
                    .post("/b24/events").then().statusCode(200);
        }
        assertThat(Database.count("select count(*) from job where member_id = ? and status in ('queued', 'running')",
                portal.memberId)).as("one waiting check, and perhaps one running").isLessThanOrEqualTo(2);
        assertThat(Database.count("select coalesce(max(octet_length(payload)), 0) from job where member_id = ?", portal.memberId))
                .isLessThan(100);

        long sent = System.nanoTime();
        v1Message(botToken(echo), userToken(42), "42", 42, "still answered?").post("/b24/events").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> imbot.messages(portal).size() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(5));
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("status")).isEqualTo("registered");
        // Past the portal's budget (b24.events.unproven-per-minute, 10) the one waiting check is due a minute later.
        assertThat(bitrix.calls(portal.memberId, "imbot.bot.list").size()).as("checks, not one per event").isLessThanOrEqualTo(10);
        assertThat(Database.count("select count(*) from job where member_id = ? and status = 'queued' and run_at > now()",
                portal.memberId)).isLessThanOrEqualTo(1);
    }

    /** The forged copy comes first with the same data; the genuine deletion after it still takes effect. */
    @Test
    void aForgedDeletionCannotTurnTheGenuineOneIntoADuplicate() {
        event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", String.valueOf(echo))
                .formParam("data[BOT_CODE]", "b24bots_echo").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("status")).isEqualTo("registered");

        imbot.liveBots(portal, "b24bots_echo").getFirst().deleted = true;
        event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", String.valueOf(echo))
                .formParam("data[BOT_CODE]", "b24bots_echo").post("/b24/events").then().statusCode(200)
                .body("result", Matchers.equalTo("ok"));
        TestPortals.awaitJobsSettled(portal);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("status")).isEqualTo("deleted");
    }

    @Test
    void aDeletionOfABotThatIsNotOursStoresNothing() {
        event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", "987654").post("/b24/events").then().statusCode(200)
                .body("result", Matchers.equalTo("ignored"));
        event("ONIMBOTDELETE", portal, appToken).formParam("data[BOT_ID]", "not-a-number").post("/b24/events")
                .then().statusCode(400);
        assertNothingQueuedOrSent();
    }

    @Test
    void aV2WebhookEventWithoutATopLevelMemberIdIsTakenFromTheBotsAuth() {
        given().contentType("application/x-www-form-urlencoded")
                .formParam("event", "ONIMBOTV2MESSAGEADD")
                .formParam("auth[domain]", portal.domain)
                .formParam("auth[application_token]", appToken)
                .formParam("data[bot][id]", String.valueOf(support))
                .formParam("data[bot][auth][access_token]", botToken(support))
                .formParam("data[bot][auth][member_id]", portal.memberId)
                .formParam("data[message][id]", "77").formParam("data[message][authorId]", "7")
                .formParam("data[message][text]", "no member id on top")
                .formParam("data[chat][dialogId]", "7").formParam("data[user][id]", "7")
                .post("/b24/events").then().statusCode(200);

        await().until(() -> imbot.messages(portal).size() == 1);
    }

    @Test
    void aPortalWhoseQueueIsFullIsRefusedWhileOthersAreAnswered() {
        Portal neighbour = TestPortals.installed(bitrix);
        long neighbourEcho = TestPortals.botId(bitrix, neighbour, "b24bots_echo");
        // A backlog at the cap (b24.jobs.max-queued-per-portal, 5,000), due tomorrow so no worker takes it now.
        Database.update("insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at) "
                + "select 'flood-test', ?, 'queued', 0, now() + interval '1 day', now(), now() from generate_series(1, 5000)",
                portal.memberId);
        RequestSpecification oneTooMany = v1Message(botToken(echo), userToken(42), "42", 42, "one too many");
        try {
            oneTooMany.post("/b24/events").then().statusCode(429);

            String token = TestPortals.applicationToken(neighbour);
            event("ONIMBOTMESSAGEADD", neighbour, token)
                    .formParam("data[BOT][" + neighbourEcho + "][BOT_ID]", String.valueOf(neighbourEcho))
                    .formParam("data[BOT][" + neighbourEcho + "][access_token]", TestPortals.userToken(bitrix, neighbour, neighbourEcho))
                    .formParam("auth[access_token]", TestPortals.userToken(bitrix, neighbour, 42))
                    .formParam("data[PARAMS][DIALOG_ID]", "42").formParam("data[PARAMS][MESSAGE_TYPE]", "P")
                    .formParam("data[PARAMS][FROM_USER_ID]", "42").formParam("data[PARAMS][MESSAGE]", "hello")
                    .post("/b24/events").then().statusCode(200);
            await().until(() -> imbot.messages(neighbour).size() == 1);
        } finally {
            Database.update("delete from job where member_id = ? and kind = 'flood-test'", portal.memberId);
        }
        // Once the backlog is gone the same event is taken: it was not remembered as delivered.
        oneTooMany.post("/b24/events").then().statusCode(200).body("result", Matchers.equalTo("ok"));
        await().until(() -> imbot.messages(portal).size() == 1);
    }

    private void assertNothingQueuedOrSent() {
        TestPortals.awaitJobsSettled(portal);
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId)).isZero();
        assertThat(imbot.messages(portal)).isEmpty();
    }

    private String botToken(long botId) {
        return TestPortals.userToken(bitrix, portal, botId);
    }

    private String userToken(long userId) {
        return TestPortals.userToken(bitrix, portal, userId);
    }

    private RequestSpecification v1Event(String type, String botToken) {
        return BitrixRequests.v1BotEvent(type, portal, appToken, echo, botToken);
    }

    private RequestSpecification v1Message(String botToken, String authorToken, String dialogId, long author, String text) {
        return BitrixRequests.v1NewMessage(v1Event("ONIMBOTMESSAGEADD", botToken), dialogId, System.nanoTime(), text, author,
                authorToken);
    }

    private RequestSpecification v2Message(String botToken, long author, String text) {
        return BitrixRequests.v2NewMessage(BitrixRequests.v2BotEvent("ONIMBOTV2MESSAGEADD", portal, appToken, support, botToken),
                String.valueOf(author), System.nanoTime(), text, author);
    }

    private Map<String, Object> snapshot() {
        Map<String, Object> row = new LinkedHashMap<>(Database.portal(portal.memberId));
        row.put("application_token_hash", Arrays.toString((byte[]) row.get("application_token_hash")));
        Map<String, Object> token = Database.token(portal.memberId);
        row.put("token.version", token.get("version"));
        row.put("token.access", Arrays.toString((byte[]) token.get("access_token")));
        return row;
    }
}
