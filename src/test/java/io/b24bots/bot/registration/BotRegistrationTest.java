package io.b24bots.bot.registration;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.event;
import static io.b24bots.testing.BitrixRequests.frameInstall;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.b24bots.bot.Bot;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.administration.BotAdministration;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.jobs.JobRunner;
import io.b24bots.jobs.JobWorker;
import io.b24bots.testing.Bitrix24Emulator.Call;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
public class BotRegistrationTest {

    /**
     * The bots application-test.properties declares. Assertions name these, not every declared bot, so the
     * suite still holds when someone declares a bot of their own for the tests.
     */
    static final List<String> CODES = List.of("b24bots_echo", "b24bots_helper", "b24bots_lines", "b24bots_support");
    static final String EVENTS_URL = "http://b24bots.test/b24/events";

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Inject
    BotAdministration administration;

    @Inject
    JobWorker worker;

    @Inject
    BotRepository registry;

    @Inject
    EntityManager em;

    @Inject
    BotCatalog catalog;

    @Test
    void aFirstInstallRegistersEveryDeclaredBotWithAllItsParameters() throws Exception {
        Portal portal = TestPortals.installed(bitrix);

        assertThat(bots(portal)).extracting(row -> row.get("code") + ":" + row.get("status"))
                .containsExactly("b24bots_echo:registered", "b24bots_helper:registered", "b24bots_lines:registered",
                        "b24bots_support:registered");
        assertThat(allBots(portal)).as("every declared bot").hasSize(catalog.all().size())
                .allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        for (String code : CODES) {
            assertThat(imbot.liveBots(portal, code)).as(code).hasSize(1);
        }
        String avatar = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("src/test/resources/bots/avatar.png")));

        Call v2 = registerCall(portal, "imbot.v2.Bot.register", "b24bots_support");
        assertThat(v2.params()).containsOnlyKeys("fields", "auth");
        assertThat(v2.params().get("auth")).isEqualTo(bitrix.latestTokens(portal).accessToken());
        assertThat(v2.params().get("fields")).isEqualTo(Map.of(
                "code", "b24bots_support",
                "type", "supervisor",
                "eventMode", "webhook",
                "webhookUrl", EVENTS_URL,
                "properties", Map.of("name", "Support", "lastName", "Desk", "workPosition", "First line",
                        "color", "red", "gender", "F", "avatar", avatar),
                "isHidden", true,
                "isReactionsEnabled", false,
                "isSupportOpenline", true,
                "backgroundId", "mint"));
        Call fetch = registerCall(portal, "imbot.v2.Bot.register", "b24bots_helper");
        assertThat(fetch.params().get("fields")).isEqualTo(Map.of("code", "b24bots_helper", "type", "bot",
                "eventMode", "fetch", "properties", Map.of("name", "Helper", "workPosition", "Answers questions about b24bots")));

        Call v1 = registerCall(portal, "imbot.register", "b24bots_lines");
        Map<String, Object> expectedV1 = new HashMap<>(Map.of("CODE", "b24bots_lines", "TYPE", "O", "OPENLINE", "Y",
                "EVENT_MESSAGE_ADD", EVENTS_URL, "EVENT_MESSAGE_UPDATE", EVENTS_URL, "EVENT_MESSAGE_DELETE", EVENTS_URL,
                "EVENT_WELCOME_MESSAGE", EVENTS_URL, "EVENT_BOT_DELETE", EVENTS_URL));
        expectedV1.put("PROPERTIES", Map.of("NAME", "Lines", "LAST_NAME", "Bot", "COLOR", "MINT",
                "EMAIL", "lines-bot@b24bots.test", "PERSONAL_BIRTHDAY", "2020-02-29", "WORK_POSITION", "Open lines",
                "PERSONAL_WWW", "https://b24bots.test", "PERSONAL_GENDER", "M", "PERSONAL_PHOTO", avatar));
        expectedV1.put("auth", bitrix.latestTokens(portal).accessToken());
        assertThat(v1.params()).isEqualTo(expectedV1);

        Map<String, Object> support = bot(portal, "b24bots_support");
        assertThat(support.get("bot_id")).isEqualTo(TestPortals.botId(bitrix, portal, "b24bots_support"));
        assertThat((String) support.get("bot_object")).contains("\"code\":\"b24bots_support\"");
        assertThat(support.get("attempts")).isEqualTo(1);
    }

    @Test
    void reinstallsAndIframePlusEventInstallsNeverCreateASecondBot() {
        Portal portal = TestPortals.installed(bitrix);

        frameInstall(portal, bitrix.issueTokens(portal, 1), "t2").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        // The iframe and the event of one install, arriving together.
        CompletableFuture<Void> frame = CompletableFuture.runAsync(() ->
                frameInstall(portal, bitrix.issueTokens(portal, 1), "t3").then().statusCode(200));
        CompletableFuture<Void> event = CompletableFuture.runAsync(() ->
                appInstallEvent(portal, bitrix.issueTokens(portal, 1), "t3").post("/b24/events").then().statusCode(200));
        CompletableFuture.allOf(frame, event).join();
        TestPortals.awaitJobsSettled(portal);

        for (String code : CODES) {
            assertThat(imbot.liveBots(portal, code)).as(code).hasSize(1);
        }
        assertThat(ownRegisterCalls(portal, "imbot.register")).as("v1 registered once per code").hasSize(2);
        assertThat(bots(portal)).hasSize(CODES.size()).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
    }

    @Test
    void uninstallMarksBotsDeletedAndAReinstallRegistersThemAgain() {
        Portal portal = TestPortals.installed(bitrix);
        TestPortals.uninstall(bitrix, portal, false);
        assertThat(bots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("deleted"));

        appInstallEvent(portal, bitrix.issueTokens(portal, 1), "again").post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        for (String code : CODES) {
            assertThat(imbot.liveBots(portal, code)).as(code).hasSize(1);
            assertThat(bot(portal, code).get("bot_id")).isEqualTo(imbot.liveBots(portal, code).getFirst().id);
        }
    }

    @Test
    void aRegistrationStillRunningWhenThePortalIsPurgedChangesNothing() {
        Portal portal = TestPortals.installed(bitrix);
        TestPortals.uninstall(bitrix, portal, true);
        long purgedRow = -1;

        // What a registration in flight would do next: no row is created again, no outcome recorded.
        assertThat(registry.rowFor(portal.memberId, catalog.all().getFirst())).isEmpty();
        registry.registered(purgedRow, 1, null);
        registry.attemptFailed(purgedRow, "X", "x", true);
        assertThat(allBots(portal)).isEmpty();
    }

    @Test
    void everyErrorCodeOfTheSeedPagesHasItsOutcome() {
        // Bitrix24 errors of imbot.v2.Bot.register, imbot.register and the system errors both pages list.
        record Case(String method, int status, String code, boolean transientFailure) {
        }
        List<Case> cases = new ArrayList<>();
        for (String code : List.of("BOT_TOKEN_NOT_SPECIFIED", "BOT_CODE_REQUIRED", "BOT_PROPERTIES_REQUIRED",
                "BOT_CODE_ALREADY_TAKEN", "BOT_INVALID_TYPE", "BOT_INVALID_EVENT_MODE", "BOT_WEBHOOK_URL_REQUIRED",
                "BOT_REGISTER_FAILED", "BOT_INVALID_CALLBACK", "BOT_LIMIT_EXCEEDED", "BOT_AVATAR_INCORRECT_TYPE",
                "BOT_AVATAR_INCORRECT_SIZE")) {
            cases.add(new Case("imbot.v2.Bot.register", 400, code, false));
        }
        for (String code : List.of("WRONG_AUTH_TYPE", "ACCESS_DENIED", "EVENT_MESSAGE_ADD_ERROR", "EVENT_MESSAGE_UPDATE_ERROR",
                "EVENT_MESSAGE_DELETE_ERROR", "EVENT_WELCOME_MESSAGE_ERROR", "EVENT_BOT_DELETE_ERROR", "CODE_ERROR",
                "NAME_ERROR", "MAX_COUNT_ERROR", "WRONG_REQUEST")) {
            cases.add(new Case("imbot.register", 400, code, false));
        }
        cases.add(new Case("imbot.v2.Bot.register", 403, "ACCESS_DENIED", false));
        cases.add(new Case("imbot.v2.Bot.register", 403, "insufficient_scope", false));
        cases.add(new Case("imbot.v2.Bot.register", 403, "INVALID_CREDENTIALS", false));
        cases.add(new Case("imbot.v2.Bot.register", 401, "NO_AUTH_FOUND", false));
        cases.add(new Case("imbot.v2.Bot.register", 400, "INVALID_REQUEST", false));
        cases.add(new Case("imbot.v2.Bot.register", 405, "ERROR_BATCH_METHOD_NOT_ALLOWED", false));
        cases.add(new Case("imbot.v2.Bot.register", 400, "ERROR_BATCH_LENGTH_EXCEEDED", false));
        cases.add(new Case("imbot.v2.Bot.register", 404, "ERROR_MANIFEST_IS_NOT_AVAILABLE", false));
        cases.add(new Case("imbot.v2.Bot.register", 503, "OVERLOAD_LIMIT", false));
        cases.add(new Case("imbot.v2.Bot.register", 500, "INTERNAL_SERVER_ERROR", true));
        cases.add(new Case("imbot.v2.Bot.register", 500, "ERROR_UNEXPECTED_ANSWER", true));
        cases.add(new Case("imbot.v2.Bot.register", 503, "QUERY_LIMIT_EXCEEDED", true));
        cases.add(new Case("imbot.v2.Bot.register", 429, "OPERATION_TIME_LIMIT", true));
        cases.add(new Case("imbot.register", 502, "HTTP_502", true));

        List<Portal> portals = new ArrayList<>();
        for (Case c : cases) {
            Portal portal = bitrix.createPortal();
            // Limits are retried by the REST client itself first; fail more often than it retries.
            int times = c.code().equals("QUERY_LIMIT_EXCEEDED") || c.code().equals("OPERATION_TIME_LIMIT") ? 4 : 1;
            bitrix.failNext(portal, c.method(), times, c.status(), c.code());
            frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
            portals.add(portal);
        }
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Portal portal = portals.get(i);
            TestPortals.awaitJobsSettled(portal);
            // The first bot of each API in declaration order meets the fault (of this suite's: helper, echo).
            String faulted = firstDeclared(c.method().startsWith("imbot.v2") ? BotApi.V2 : BotApi.V1);
            Map<String, Object> row = bot(portal, faulted);
            if (c.transientFailure()) {
                assertThat(row.get("status")).as(c.code()).isEqualTo("registered");
                assertThat(row.get("attempts")).as(c.code()).isEqualTo(2);
            } else {
                assertThat(row.get("status")).as(c.code()).isEqualTo("failed");
                assertThat(row.get("last_error_code")).as(c.code()).isEqualTo(c.code());
                assertThat(row.get("last_error_text")).as(c.code()).isEqualTo(c.code() + " (injected)");
                assertThat(row.get("attempts")).as(c.code()).isEqualTo(1);
                assertThat(registerCalls(portal, c.method(), faulted)).as(c.code() + " not retried").hasSize(1);
            }
            assertThat(allBots(portal)).filteredOn(r -> !r.get("code").equals(row.get("code")))
                    .allSatisfy(r -> assertThat(r.get("status")).as("other bots of " + c.code()).isEqualTo("registered"));
        }
    }

    @Test
    void transientFailuresRetryWithBackoffUpToTheLimitAndKeepTheError() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "imbot.register", 20, 500, "INTERNAL_SERVER_ERROR");
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        Map<String, Object> echo = bot(portal, "b24bots_echo");
        assertThat(echo.get("status")).isEqualTo("failed");
        assertThat(echo.get("last_error_code")).isEqualTo("INTERNAL_SERVER_ERROR");
        assertThat(echo.get("attempts")).as("b24.registration.max-attempts").isEqualTo(4);
        List<Call> calls = bitrix.calls(c -> portal.memberId.equals(c.memberId()) && c.method().equals("imbot.register")
                && "b24bots_echo".equals(c.param("CODE")));
        assertThat(calls).hasSize(4);
        for (int i = 1; i < calls.size(); i++) {
            assertThat(Duration.between(calls.get(i - 1).at(), calls.get(i).at())).as("back-off grows")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
    }

    @Test
    void aV1RegistrationWhoseAnswerWasLostIsNotRepeated() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "imbot.register", 1, Fault.answerLost(2_500));
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.calls(c -> portal.memberId.equals(c.memberId()) && c.method().equals("imbot.register")
                && "b24bots_echo".equals(c.param("CODE")))).as("imbot.register for echo").hasSize(1);
        assertThat(bitrix.calls(portal.memberId, "imbot.bot.list")).hasSize(1);
        assertThat(bot(portal, "b24bots_echo").get("status")).isEqualTo("registered");
        assertThat(bot(portal, "b24bots_echo").get("bot_id")).isEqualTo(TestPortals.botId(bitrix, portal, "b24bots_echo"));
    }

    /**
     * A v1 CODE is unique in the whole portal, and imbot.register answers the id of another app's bot
     * that has it: that id is never stored or acted as, the bot shows the taken code, and a refresh from
     * Bitrix24 does not adopt the other app's bot either.
     */
    @Test
    void aV1CodeAnotherAppsBotHasIsReportedNotTakenOver() {
        Portal portal = bitrix.createPortal();
        ImbotEmulation.EmuBot foreign = imbot.addBotOfAnotherApp(portal, "v1", "b24bots_echo");
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        Map<String, Object> echo = bot(portal, "b24bots_echo");
        assertThat(echo.get("status")).isEqualTo("failed");
        assertThat(echo.get("bot_id")).isNull();
        assertThat(echo.get("last_error_code")).isEqualTo("BOT_CODE_ALREADY_TAKEN");
        assertThat((String) echo.get("last_error_text")).contains("b24bots_echo", "another application", "b24.bots.echo.code");
        assertThat(bitrix.calls(portal.memberId, "imbot.command.register")).as("no command for another app's bot")
                .noneMatch(c -> String.valueOf(foreign.id).equals(c.param("BOT_ID")));
        assertThat(bot(portal, "b24bots_lines").get("status")).as("the other v1 bot is ours").isEqualTo("registered");

        QuarkusTransaction.requiringNew().run(() -> administration.reconcile(portal.memberId));
        TestPortals.awaitJobsSettled(portal);
        assertThat(bot(portal, "b24bots_echo").get("bot_id")).as("not adopted by a refresh").isNull();
        assertThat(imbot.liveBots(portal, "b24bots_echo")).containsExactly(foreign);
    }

    @Test
    void aV2RegistrationThatTimedOutIsRetriedAndSucceeds() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "imbot.v2.Bot.register", 1, Fault.slow(2_500));
        frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        // The first v2 bot in declaration order met the slow answer (of this suite's: helper).
        String first = firstDeclared(BotApi.V2);
        Map<String, Object> helper = bot(portal, first);
        assertThat(helper.get("status")).isEqualTo("registered");
        assertThat(helper.get("attempts")).isEqualTo(2);
        assertThat(imbot.liveBots(portal, first)).hasSize(1);
    }

    @Test
    void pendingJobsRunAfterARestartAndADeadWorkersJobIsTakenOver() {
        worker.pause();
        Portal waiting;
        Portal abandoned;
        try {
            waiting = bitrix.createPortal();
            frameInstall(waiting, bitrix.issueTokens(waiting, 1), "t").then().statusCode(200);
            abandoned = bitrix.createPortal();
            frameInstall(abandoned, bitrix.issueTokens(abandoned, 1), "t").then().statusCode(200);
            // A replica leases the abandoned portal's registration for one second, as a claim does, then dies.
            Portal dead = abandoned;
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                    update job set status = 'running', locked_by = 'dead-replica', attempts = attempts + 1,
                           locked_until = now() + interval '1 second'
                    where kind = 'register-bots' and member_id = :m and status = 'queued'
                    """).setParameter("m", dead.memberId).executeUpdate());
            assertThat(Database.count("select count(*) from job where locked_by = 'dead-replica'")).isEqualTo(1);
            assertThat(imbot.bots(waiting)).isEmpty();
        } finally {
            worker.resume();
        }
        TestPortals.awaitJobsSettled(waiting);
        TestPortals.awaitJobsSettled(abandoned);

        for (Portal portal : List.of(waiting, abandoned)) {
            assertThat(bots(portal)).hasSize(CODES.size()).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
            for (String code : CODES) {
                assertThat(imbot.liveBots(portal, code)).hasSize(1);
            }
        }
        assertThat(Database.count("select max(attempts) from job where kind = 'register-bots' and member_id in (?, ?)",
                waiting.memberId, abandoned.memberId)).as("the abandoned job ran a second time").isEqualTo(2);
    }

    @Test
    void severalWorkersOnOneDatabaseRegisterEachBotExactlyOnce() {
        List<JobRunner> runners = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JobRunner runner = worker.newRunner("extra-" + i);
            runner.start();
            runners.add(runner);
        }
        List<Portal> portals = new ArrayList<>();
        try {
            List<CompletableFuture<Void>> installs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Portal portal = bitrix.createPortal();
                portals.add(portal);
                installs.add(CompletableFuture.runAsync(() -> {
                    frameInstall(portal, bitrix.issueTokens(portal, 1), "t").then().statusCode(200);
                    appInstallEvent(portal, bitrix.issueTokens(portal, 1), "t").post("/b24/events").then().statusCode(200);
                }));
            }
            CompletableFuture.allOf(installs.toArray(CompletableFuture[]::new)).join();
            portals.forEach(TestPortals::awaitJobsSettled);
        } finally {
            runners.forEach(r -> r.stop(Duration.ofSeconds(5)));
        }
        for (Portal portal : portals) {
            for (String code : CODES) {
                assertThat(imbot.liveBots(portal, code)).as(code).hasSize(1);
            }
            assertThat(ownRegisterCalls(portal, "imbot.register")).hasSize(2);
            assertThat(allBots(portal)).allSatisfy(row -> assertThat(row.get("status")).isEqualTo("registered"));
        }
        assertThat(Database.count("select count(*) from job where kind = 'register-bots' and attempts > 1 and member_id = any(?)",
                (Object) portals.stream().map(p -> p.memberId).toArray(String[]::new))).as("no job ran twice").isZero();
    }

    private Call registerCall(Portal portal, String method, String code) {
        return registerCalls(portal, method, code).stream().findFirst().orElseThrow();
    }

    private List<Call> registerCalls(Portal portal, String method, String code) {
        return bitrix.calls(portal.memberId, method).stream().filter(c -> code.equals(registeredCode(c))).toList();
    }

    /** Register calls for this suite's bots only. */
    private List<Call> ownRegisterCalls(Portal portal, String method) {
        return bitrix.calls(portal.memberId, method).stream().filter(c -> CODES.contains(registeredCode(c))).toList();
    }

    private static String registeredCode(Call call) {
        if (call.param("CODE") != null) {
            return call.param("CODE");
        }
        return call.params().get("fields") instanceof Map<?, ?> fields ? String.valueOf(fields.get("code")) : null;
    }

    /** Registration follows the declaration's order, so the first bot of an API is the first one registered with it. */
    private String firstDeclared(BotApi api) {
        return catalog.all().stream().filter(bot -> bot.api() == api).findFirst().orElseThrow().code();
    }

    /** The rows of this suite's bots ({@link #CODES}), by code. */
    public static List<Map<String, Object>> bots(Portal portal) {
        return allBots(portal).stream().filter(row -> CODES.contains(row.get("code"))).toList();
    }

    /** Every bot row of the portal, whichever bots are declared. */
    public static List<Map<String, Object>> allBots(Portal portal) {
        return Database.rows("select * from bot where member_id = ? order by code", portal.memberId);
    }

    public static Map<String, Object> bot(Portal portal, String code) {
        return Database.rows("select * from bot where member_id = ? and code = ?", portal.memberId, code).getFirst();
    }
}
