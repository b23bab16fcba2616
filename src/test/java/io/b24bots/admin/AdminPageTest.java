package io.b24bots.admin;

import static io.b24bots.testing.BitrixRequests.frame;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.bot.sending.BotMessenger;
import io.b24bots.bot.sending.MessengerException;
import io.b24bots.portal.SignedTokens;
import io.b24bots.portal.TokenCipher;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class AdminPageTest {

    static final Pattern SESSION = Pattern.compile("name=\"session\" value=\"([A-Za-z0-9_.-]+)\"");

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Inject
    SignedTokens signer;

    @Inject
    TokenCipher cipher;

    @Inject
    AdminConfig config;

    @Inject
    EntityManager em;

    @Inject
    BotMessenger messenger;

    @Test
    void anAdminSeesTheBotsFramedForThePortalOnly() {
        Portal portal = TestPortals.installed(bitrix);

        open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200)
                .header("Content-Security-Policy", "frame-ancestors 'self' https://" + portal.domain)
                .header("X-Frame-Options", nullValue())
                .body(containsString("<h1 id=\"page-title\">Chat bots</h1>"))
                .body(containsString("Bots of this app on " + portal.domain))
                .body(containsString("data-code=\"b24bots_support\" data-status=\"registered\""))
                // Every declared bot is counted, not only this suite's four.
                .body(containsString("data-counter=\"registered\">" + Database.count(
                        "select count(*) from bot where member_id = ? and status = 'registered'", portal.memberId) + "<"))
                .body(containsString("//api.bitrix24.com/api/v1/"))
                .body(containsString("BX24.fitWindow()"))
                .body(containsString("actions/reregister"));

        Portal other = TestPortals.installed(bitrix);
        open(other, bitrix.issueTokens(other, 1), "en").then().statusCode(200)
                .header("Content-Security-Policy", "frame-ancestors 'self' https://" + other.domain);
    }

    @Test
    void everyStatusIsShownWithItsErrorExplainedInBothLanguages() {
        Portal portal = TestPortals.installed(bitrix);
        setStatus(portal, "b24bots_echo", "pending", null);
        setStatus(portal, "b24bots_helper", "failed", "BOT_CODE_ALREADY_TAKEN");
        setStatus(portal, "b24bots_lines", "deleted", null);

        String en = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(en).contains("data-status=\"pending\"", "data-status=\"failed\"", "data-status=\"deleted\"",
                "data-status=\"registered\"", ">pending<", ">failed<", ">deleted<", ">registered<",
                "BOT_CODE_ALREADY_TAKEN", "Another app in this portal already uses this bot&#39;s code",
                "data-counter=\"failed\">1<", "Register again");

        String ru = open(portal, bitrix.issueTokens(portal, 1), "ru").then().statusCode(200).extract().asString();
        assertThat(ru).contains("<html lang=\"ru\">", "Чат-боты", ">в очереди<", ">ошибка<", ">удалён<", ">зарегистрирован<",
                "Код этого бота уже занят другим приложением", "Повторить", "Перерегистрировать всех ботов")
                .doesNotContain("Chat bots", "Another app in this portal");

        open(portal, bitrix.issueTokens(portal, 1), "de").then().statusCode(200).body(containsString("Chat bots"));
    }

    @Test
    void workThatFailedForGoodIsListedWithItsErrorExplained() {
        Portal portal = TestPortals.installed(bitrix);
        String quiet = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(quiet).doesNotContain("Work that failed");

        failedJob(portal, "bot-event", "ABANDONED: its last 10 runs ended without an outcome");
        failedJob(portal, "register-bots", "gave up after 10 attempts: MALFORMED_ANSWER: imbot.register answered JSON past bounds");

        String en = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(en).contains("Work that failed", "A bot answering a message", "data-error=\"ABANDONED\"",
                "The service stopped each time it ran this work", "Registering the bots", "data-error=\"MALFORMED_ANSWER\"");
        String ru = open(portal, bitrix.issueTokens(portal, 1), "ru").then().statusCode(200).extract().asString();
        assertThat(ru).contains("Работа, завершившаяся ошибкой", "Ответ бота на сообщение", "Сервис останавливался");
    }

    @Test
    void anEmptyPortalAndReauthAndMissingApplicationTokenAreExplained() {
        Portal portal = TestPortals.installed(bitrix);
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("delete from bot where member_id = :m").setParameter("m", portal.memberId).executeUpdate();
            em.createNativeQuery("update portal set application_token_hash = null where member_id = :m")
                    .setParameter("m", portal.memberId).executeUpdate();
        });
        String page = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(page).contains("No bots are declared", "has not sent this app its event token");

        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update portal set status = 'reauth_required' where member_id = :m").setParameter("m", portal.memberId)
                .executeUpdate());
        open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200)
                .body(containsString("no longer accepts this app&#39;s access"));
    }

    @Test
    void unprovenRequestsGetA401PageWithoutData() {
        Portal portal = TestPortals.installed(bitrix);
        Portal attacker = TestPortals.installed(bitrix);

        for (Response response : List.of(
                open(portal, new Tokens("forged", "forged", 1, portal.memberId), "en"),
                open(portal, bitrix.issueTokens(attacker, 1), "en"),
                given().contentType("application/x-www-form-urlencoded").queryParam("DOMAIN", portal.domain)
                        .body("member_id=" + portal.memberId).post("/b24/app"),
                given().queryParam("session", "forged.session").get("/b24/app"),
                given().get("/b24/app"))) {
            response.then().statusCode(401)
                    .header("X-Frame-Options", nullValue())
                    .body(containsString("Open the app again from the portal"))
                    .body(not(containsString("b24bots_")))
                    .body(not(containsString(portal.memberId)));
        }
        open(portal, new Tokens("forged", "forged", 1, portal.memberId), "ru").then().statusCode(401)
                .body(containsString("Откройте приложение снова"));
    }

    @Test
    void aNonAdminSeesTheListButCannotAct() {
        Portal portal = TestPortals.installed(bitrix);
        setStatus(portal, "b24bots_helper", "failed", "BOT_LIMIT_EXCEEDED");
        String page = open(portal, bitrix.issueTokens(portal, 2), "en").then().statusCode(200).extract().asString();
        assertThat(page).contains("only a portal administrator can change them", "b24bots_helper")
                .doesNotContain("actions/retry", "actions/reregister");
        String session = session(page);

        action("retry", session, row(portal, "b24bots_helper")).then().statusCode(403)
                .body(containsString("Only a Bitrix24 administrator"));
        action("reregister", session, null).then().statusCode(403);

        assertThat(jobs(portal)).isZero();
        assertThat(bot(portal, "b24bots_helper").get("status")).isEqualTo("failed");
    }

    @Test
    void forgedExpiredAndOtherPortalsSessionsAreRefused() {
        Portal a = TestPortals.installed(bitrix);
        Portal b = TestPortals.installed(bitrix);
        setStatus(b, "b24bots_helper", "failed", "BOT_LIMIT_EXCEEDED");
        String sessionA = session(open(a, bitrix.issueTokens(a, 1), "en").then().statusCode(200).extract().asString());

        String tampered = sessionA.substring(0, sessionA.length() - 2) + (sessionA.endsWith("AA") ? "BB" : "AA");
        action("retry", tampered, row(b, "b24bots_helper")).then().statusCode(401);

        AdminSession past = new AdminSession(signer, config, cipher);
        past.clock = Clock.fixed(Instant.now().minus(config.sessionTtl()).minusSeconds(5), ZoneOffset.UTC);
        String expired = past.issue(a.memberId, 1, true, "en", true, bitrix.issueTokens(a, 1).accessToken(), 3600);
        action("reregister", expired, null).then().statusCode(401);
        given().queryParam("session", expired).get("/b24/app").then().statusCode(401);

        // A's admin session names B's bot: refused, B unchanged.
        action("retry", sessionA, row(b, "b24bots_helper")).then().statusCode(404);
        assertThat(bot(b, "b24bots_helper").get("status")).isEqualTo("failed");
        assertThat(jobs(b)).isZero();
        assertThat(jobs(a)).isZero();

        given().queryParam("session", sessionA).queryParam("bot", row(a, "b24bots_helper"))
                .get("/b24/app/actions/retry").then().statusCode(405);
    }

    @Test
    void retryUnregisterReregisterAndReconcileGoThroughTheQueue() {
        Portal portal = TestPortals.installed(bitrix);
        setStatus(portal, "b24bots_helper", "failed", "INTERNAL_SERVER_ERROR");
        imbot.deleteAll(portal);
        String session = session(open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString());

        String location = action("retry", session, row(portal, "b24bots_helper")).then().statusCode(303)
                .extract().header("Location");
        assertThat(location).contains("/b24/app?", "queued=true", "DOMAIN=" + portal.domain).endsWith("#session=" + session);
        assertThat(location.substring(0, location.indexOf('#'))).as("nothing a proxy logs holds the session").doesNotContain(session);
        TestPortals.awaitJobsSettled(portal);
        assertThat(bot(portal, "b24bots_helper").get("status")).isEqualTo("registered");
        assertThat(imbot.liveBots(portal, "b24bots_helper")).hasSize(1);

        action("reconcile", session, null).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        assertThat(bot(portal, "b24bots_echo").get("status")).as("gone from the portal").isEqualTo("deleted");

        action("reregister", session, null).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        for (String code : List.of("b24bots_echo", "b24bots_lines", "b24bots_support", "b24bots_helper")) {
            assertThat(bot(portal, code).get("status")).as(code).isEqualTo("registered");
            assertThat(imbot.liveBots(portal, code)).as(code).hasSize(1);
        }

        action("unregister", session, row(portal, "b24bots_support")).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        assertThat(bot(portal, "b24bots_support").get("status")).isEqualTo("deleted");
        assertThat(imbot.liveBots(portal, "b24bots_support")).isEmpty();
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.unregister")).singleElement()
                .satisfies(c -> assertThat(c.params().get("botId")).isInstanceOf(Number.class));

        given().queryParam("session", session).queryParam("queued", true).get("/b24/app").then().statusCode(200)
                .body(containsString("The action was queued."));
        given().contentType("application/x-www-form-urlencoded").formParam("session", session).formParam("queued", "true")
                .post("/b24/app").then().statusCode(200).body(containsString("The action was queued."));
    }

    /**
     * "Turn off" is the administrator's choice for their portal: neither an update of the app nor "Re-register all
     * bots" brings the bot back, nothing can be sent as it, and only "Turn on" registers it again.
     */
    @Test
    void aBotTurnedOffStaysOffUntilAnAdminTurnsItOn() {
        Portal portal = TestPortals.installed(bitrix);
        String session = session(open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString());
        action("unregister", session, row(portal, "b24bots_support")).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.liveBots(portal, "b24bots_support")).isEmpty();
        assertThat(bot(portal, "b24bots_support")).containsEntry("status", "deleted").containsEntry("turned_off_by", 1L);
        String page = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(page).contains("turned off", "Turned off by user 1", ">Turn on<");

        BitrixRequests.appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
        action("reregister", session, null).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.liveBots(portal, "b24bots_support")).as("still off").isEmpty();
        assertThat(imbot.liveBots(portal, "b24bots_helper")).as("the others are brought in step").hasSize(1);
        assertThatThrownBy(() -> messenger.portal(portal.memberId).bot("b24bots_support").sendTo("1", OutgoingMessage.text("hi")))
                .isInstanceOf(MessengerException.class).hasMessageContaining("turned it off");

        action("retry", session, row(portal, "b24bots_support")).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.liveBots(portal, "b24bots_support")).as("turned on").hasSize(1);
        assertThat(bot(portal, "b24bots_support")).containsEntry("status", "registered").containsEntry("turned_off_at", null);
    }

    /** The bots' declared settings: an admin changes them (checked, recorded), everyone else only sees them. */
    @Test
    void anAdminChangesABotsSettingsAndEveryChangeIsRecorded() {
        Portal portal = TestPortals.installed(bitrix);
        String page = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(page).contains("Greeting", "value=\"Hello from support\"", "Replies at most", "Quiet hours", "casual");
        String session = session(page);
        long support = row(portal, "b24bots_support");

        settings(session, support, Map.of("greeting", "Welcome to ACME", "max-replies", "5", "quiet", "true", "tone", "casual"))
                .then().statusCode(303);
        String after = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        assertThat(after).contains("value=\"Welcome to ACME\"", "value=\"5\"", "Recent changes of the settings");
        assertThat(Database.count("select count(*) from bot_setting_change where member_id = ? and user_id = 1", portal.memberId))
                .isEqualTo(4);

        settings(session, support, Map.of("greeting", "Also new", "max-replies", "99")).then().statusCode(400)
                .body(containsString("max-replies takes a number from 1 to 10"));
        settings(session, support, Map.of("nonsense", "1")).then().statusCode(400);
        assertThat(Database.count("select count(*) from bot_setting where member_id = ? and value = 'Also new'", portal.memberId))
                .as("a refused value refuses the whole form").isZero();

        String employee = open(portal, bitrix.issueTokens(portal, 2), "en").then().statusCode(200).extract().asString();
        assertThat(employee).contains("value=\"Welcome to ACME\"", "disabled").doesNotContain("data-action=\"settings\"");
        settings(session(employee), support, Map.of("greeting", "Hacked")).then().statusCode(403);
        assertThat(Database.count("select count(*) from bot_setting_change where member_id = ?", portal.memberId)).isEqualTo(4);
    }

    @Test
    void anAdminWhoLostTheirRightsCannotActFromTheirOpenPage() {
        Portal portal = TestPortals.installed(bitrix);
        String session = session(open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString());
        bitrix.setAdmin(portal, 1, false);
        try {
            action("reregister", session, null).then().statusCode(403).body(containsString("Only a Bitrix24 administrator"));
            assertThat(jobs(portal)).isZero();
        } finally {
            bitrix.setAdmin(portal, 1, true);
        }
        action("reregister", session, null).then().statusCode(303);
        TestPortals.awaitJobsSettled(portal);
    }

    /**
     * The session travels in request bodies and in URL fragments only, never in a query string a proxy
     * or a log keeps: the page reloads by posting it, and a reload of the URL resumes it from the fragment.
     */
    @Test
    void theSessionIsNeverInAUrlAServerSees() {
        Portal portal = TestPortals.installed(bitrix);
        String page = open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString();
        String session = session(page);
        assertThat(page).doesNotContain("?session=", "&session=").contains("id=\"refresh-form\"", "#session=" + session);

        given().contentType("application/x-www-form-urlencoded").formParam("session", session).post("/b24/app")
                .then().statusCode(200).body(containsString("data-code=\"b24bots_echo\""));
        // A bare reload: the page that posts the fragment's session back.
        given().queryParam("DOMAIN", portal.domain).get("/b24/app").then().statusCode(401)
                .header("Content-Security-Policy", "frame-ancestors 'self' https://" + portal.domain)
                .body(containsString("#session="));
    }

    @Test
    void aHundredBotsRenderFromTheDatabaseWithoutCallingBitrix24() {
        Portal portal = TestPortals.installed(bitrix);
        long declared = Database.count("select count(*) from bot where member_id = ?", portal.memberId);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                insert into bot (member_id, config_id, code, api, type, event_mode, bot_id, status, attempts, created_at, updated_at)
                select :m, 'generated', 'generated_' || n, 'v2', 'bot', 'fetch', 10000 + n, 'registered', 1, now(), now()
                from generate_series(1, 100) n
                """).setParameter("m", portal.memberId).executeUpdate());
        String session = session(open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200).extract().asString());
        int before = bitrix.calls(c -> portal.memberId.equals(c.memberId())
                && !c.method().equals("imbot.v2.Event.get")).size();

        String page = given().queryParam("session", session).get("/b24/app").then().statusCode(200).extract().asString();

        assertThat(Pattern.compile("<tr data-code=").matcher(page).results().count()).isEqualTo(declared + 100);
        assertThat(page).contains("data-counter=\"total\">" + (declared + 100) + "<");
        assertThat(bitrix.calls(c -> portal.memberId.equals(c.memberId()) && !c.method().equals("imbot.v2.Event.get")))
                .hasSize(before);
    }

    @Test
    void aPortalThatIsNotInstalledSaysSo() {
        Portal portal = bitrix.createPortal();
        open(portal, bitrix.issueTokens(portal, 1), "en").then().statusCode(200)
                .body(containsString("The app is not installed on this portal"))
                .body(not(containsString("actions/")));
    }

    private Response open(Portal portal, Tokens tokens, String lang) {
        return frame(portal, tokens, bitrix.oauthUrl() + "/rest/", null, lang).post("/b24/app");
    }

    private static Response action(String action, String session, Long row) {
        var spec = given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("session", session);
        if (row != null) {
            spec.formParam("bot", row);
        }
        return spec.post("/b24/app/actions/" + action);
    }

    private static Response settings(String session, long row, Map<String, String> values) {
        var spec = given().redirects().follow(false).contentType("application/x-www-form-urlencoded").formParam("session", session)
                .formParam("bot", row);
        values.forEach((key, value) -> spec.formParam("setting[" + key + "]", value));
        return spec.post("/b24/app/actions/settings");
    }

    private static String session(String page) {
        Matcher matcher = SESSION.matcher(page);
        assertThat(matcher.find()).as("page carries a session").isTrue();
        return matcher.group(1);
    }

    private void failedJob(Portal portal, String kind, String error) {
        Database.update("""
                insert into job (kind, member_id, status, attempts, run_at, last_error, created_at, updated_at)
                values (?, ?, 'failed', 10, now(), ?, now(), now())""", kind, portal.memberId, error);
    }

    private void setStatus(Portal portal, String code, String status, String error) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update bot set status = :s, last_error_code = :e where member_id = :m and code = :c")
                .setParameter("s", status).setParameter("e", error).setParameter("m", portal.memberId).setParameter("c", code)
                .executeUpdate());
    }

    private static long row(Portal portal, String code) {
        return ((Number) bot(portal, code).get("id")).longValue();
    }

    private static Map<String, Object> bot(Portal portal, String code) {
        return Database.rows("select * from bot where member_id = ? and code = ?", portal.memberId, code).getFirst();
    }

    private static long jobs(Portal portal) {
        return Database.count("select count(*) from job where member_id = ? and kind <> 'bot-event' and created_at > now() - interval '1 minute' and status = 'queued'",
                portal.memberId);
    }
}
