package io.b24bots.portal;

import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static io.b24bots.testing.BitrixRequests.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.b24bots.jobs.ReplicaNotifications;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a replica keeps in memory for the event path (a portal's application token and status, its
 * access token, its bots) is kept for minutes, yet a change made by another replica is honoured
 * here at once. "Another replica" is a plain SQL change on a connection of the test's own: nothing
 * in this process hears of it but the database's announcement.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PortalChangesTest {

    static final Duration PROMPTLY = Duration.ofSeconds(10);

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    Portal portal;
    String appToken;
    long echo;

    @BeforeEach
    void install() {
        // A test below cuts the listener's connection; each starts with it connected again.
        await().atMost(PROMPTLY).until(() -> Database.count("select count(*) from pg_stat_activity where application_name = ?",
                ReplicaNotifications.APPLICATION_NAME) > 0);
        portal = TestPortals.installed(bitrix);
        appToken = TestPortals.applicationToken(portal);
        echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
    }

    @Test
    void anUninstallRecordedByAnotherReplicaIsHonouredAtOnce() {
        appUpdateEvent(portal, appToken).post("/b24/events").then().statusCode(200);

        Database.update("update portal set status = 'uninstalled', uninstalled_at = now() where member_id = ?", portal.memberId);

        await().atMost(PROMPTLY).until(() -> appUpdateEvent(portal, appToken).post("/b24/events").statusCode() == 401);
    }

    @Test
    void aChangeMadeWhileThisReplicaWasNotListeningIsHonouredToo() {
        appUpdateEvent(portal, appToken).post("/b24/events").then().statusCode(200);

        assertThat(Database.rows("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?",
                ReplicaNotifications.APPLICATION_NAME)).isNotEmpty();
        Database.update("update portal set status = 'uninstalled', uninstalled_at = now() where member_id = ?", portal.memberId);

        await().atMost(PROMPTLY).until(() -> appUpdateEvent(portal, appToken).post("/b24/events").statusCode() == 401);
    }

    @Test
    void anAccessTokenChangedByAnotherReplicaIsReadAgain() {
        message("before").post("/b24/events").then().statusCode(200);
        await().atMost(PROMPTLY).until(() -> imbot.messages(portal).size() == 1);
        assertThat(bitrix.refreshes(portal)).isEmpty();

        // Another replica's view: the pair is about to expire. Only a replica that reads the row
        // again refreshes it before its next call; one trusting its memory would send the old token.
        Database.update("update portal_token set expires_at = now() + interval '10 seconds' where member_id = ?", portal.memberId);
        await().atMost(PROMPTLY).untilAsserted(() -> {
            message("after " + System.nanoTime()).post("/b24/events").then().statusCode(200);
            assertThat(bitrix.refreshes(portal)).hasSize(1);
        });
    }

    @Test
    void aBotDeletedByAnotherReplicaNoLongerAnswers() {
        message("before").post("/b24/events").then().statusCode(200);
        await().atMost(PROMPTLY).until(() -> imbot.messages(portal).size() == 1);

        Portal marker = TestPortals.installed(bitrix);
        String markerToken = TestPortals.applicationToken(marker);
        appUpdateEvent(marker, markerToken).post("/b24/events").then().statusCode(200);

        Database.update("update bot set status = 'deleted' where member_id = ? and code = 'b24bots_echo'", portal.memberId);
        // Announcements are handled in commit order: once a later change is seen here, so is this one.
        Database.update("update portal set status = 'uninstalled' where member_id = ?", marker.memberId);
        await().atMost(PROMPTLY).until(() -> appUpdateEvent(marker, markerToken).post("/b24/events").statusCode() == 401);
        message("after").post("/b24/events").then().statusCode(200);

        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.messages(portal)).as("the deleted bot did not answer").hasSize(1);
    }

    /**
     * The window before this replica hears of another replica's uninstall (a listener connection that
     * died silently is only found out by its next check): a bot event must still not be stored. The
     * change is made with the announcement switched off, so only the database knows.
     */
    @Test
    void aBotEventForAPortalUninstalledUnheardOfIsNotStored() {
        message("warm").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        Database.update("""
                do $$ begin
                    alter table portal disable trigger portal_changed;
                    update portal set status = 'uninstalled', uninstalled_at = now() where member_id = '%s';
                    alter table portal enable trigger portal_changed;
                end $$""".formatted(portal.memberId));

        message("unheard").post("/b24/events").then().statusCode(401);
        assertThat(Database.count("select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId))
                .isZero();
        // Nor remembered as seen: once the portal is back, the same event is taken, not called a duplicate.
        Database.update("update portal set status = 'active', uninstalled_at = null where member_id = ?", portal.memberId);
        await().atMost(PROMPTLY).until(() -> message("unheard").post("/b24/events").then().extract().asString().contains("\"ok\""));
    }

    /** A v1 message to the echo bot, as Bitrix24 sends it. */
    private RequestSpecification message(String text) {
        return event("ONIMBOTMESSAGEADD", portal, appToken)
                .formParam("auth[access_token]", TestPortals.userToken(bitrix, portal, 42))
                .formParam("data[BOT][" + echo + "][BOT_ID]", String.valueOf(echo))
                .formParam("data[BOT][" + echo + "][BOT_CODE]", "b24bots_echo")
                .formParam("data[BOT][" + echo + "][access_token]", TestPortals.userToken(bitrix, portal, echo))
                .formParam("data[BOT][" + echo + "][application_token]", appToken)
                .formParam("data[PARAMS][LANGUAGE]", "en")
                .formParam("data[PARAMS][DIALOG_ID]", "42")
                .formParam("data[PARAMS][MESSAGE]", text)
                .formParam("data[PARAMS][MESSAGE_ID]", String.valueOf(Math.abs(text.hashCode())))
                .formParam("data[PARAMS][FROM_USER_ID]", "42")
                .formParam("data[PARAMS][MESSAGE_TYPE]", "P")
                .formParam("data[USER][ID]", "42")
                .formParam("data[USER][NAME]", "Ann");
    }
}
