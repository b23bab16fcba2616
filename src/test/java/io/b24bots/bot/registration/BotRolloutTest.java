package io.b24bots.bot.registration;

import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.b24bots.bot.administration.BotAdministration;
import io.b24bots.bot.registration.BotRollout;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation.EmuBot;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Installed portals converge on the declared bots: what Bitrix24 holds is compared (by fingerprint)
 * with the declaration, and only what differs is updated, registered or unregistered. A portal is
 * made "out of step" here the way an older declaration would have left it: Bitrix24 holding other
 * values, and the bot row recording that an older declaration was applied.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class BotRolloutTest {

    static final List<String> WRITES = List.of("imbot.update", "imbot.v2.Bot.update", "imbot.register", "imbot.v2.Bot.register",
            "imbot.unregister", "imbot.v2.Bot.unregister", "imbot.command.register", "imbot.v2.Command.register",
            "imbot.command.update", "imbot.v2.Command.update");

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Inject
    BotRollout rollout;

    @Inject
    BotAdministration administration;

    @Inject
    Fingerprints fingerprints;


    @Test
    void aChangedNameAvatarAndModeConvergeOnEveryPortalAndASecondRunChangesNothing() {
        Portal first = TestPortals.installed(bitrix);
        Portal second = TestPortals.installed(bitrix);
        for (Portal portal : List.of(first, second)) {
            olderDeclarationApplied(portal, "b24bots_support");
            olderDeclarationApplied(portal, "b24bots_echo");
            EmuBot support = bot(portal, "b24bots_support");
            imbot.properties(support).put("name", "Old support");
            imbot.properties(support).remove("avatar");
            support.params.put("eventMode", "fetch");
            support.params.remove("webhookUrl");
            Database.update("update bot set event_mode = 'fetch' where member_id = ? and code = 'b24bots_support'", portal.memberId);
            imbot.properties(bot(portal, "b24bots_echo")).put("NAME", "Old echo");
        }
        // Each v1 bot's registration proved it ours with one imbot.update.
        int installUpdates = bitrix.calls(first.memberId, "imbot.update").size();
        // One per declared v2 bot at install (of this suite's: helper and support).
        int installRegisters = bitrix.calls(first.memberId, "imbot.v2.Bot.register").size();
        int before = writes(first) + writes(second);

        converge(first, second);

        for (Portal portal : List.of(first, second)) {
            EmuBot support = bot(portal, "b24bots_support");
            assertThat(imbot.properties(support)).containsEntry("name", "Support").containsEntry("color", "red")
                    .containsKey("avatar");
            assertThat(support.params).containsEntry("eventMode", "webhook").containsEntry("webhookUrl", "http://b24bots.test/b24/events");
            assertThat(BotRegistrationTest.bot(portal, "b24bots_support").get("event_mode")).isEqualTo("webhook");
            assertThat(imbot.properties(bot(portal, "b24bots_echo"))).containsEntry("NAME", "Echo");
            assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.update")).hasSize(1);
            assertThat(bitrix.calls(portal.memberId, "imbot.update")).hasSize(installUpdates + 1);
            assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.register")).as("not registered again").hasSize(installRegisters);
            assertThat(imbot.liveBots(portal, "b24bots_support")).hasSize(1);
        }
        int after = writes(first) + writes(second);
        assertThat(after - before).as("only the changed bots were written").isEqualTo(4);

        // The next run (another start of the same declaration) finds nothing to do.
        assertThat(rollout.queueNext()).isZero();
        TestPortals.awaitJobsSettled(first);
        assertThat(writes(first) + writes(second)).isEqualTo(after);
    }

    @Test
    void aBotSwitchedToFetchIsPolledAfterTheUpdate() {
        Portal portal = TestPortals.installed(bitrix);
        olderDeclarationApplied(portal, "b24bots_helper");
        EmuBot helper = bot(portal, "b24bots_helper");
        helper.params.put("eventMode", "webhook");
        helper.params.put("webhookUrl", "http://b24bots.test/b24/events");
        Database.update("update bot set event_mode = 'webhook' where member_id = ? and code = 'b24bots_helper'", portal.memberId);

        converge(portal);

        assertThat(helper.params).containsEntry("eventMode", "fetch");
        int polls = bitrix.calls(portal.memberId, "imbot.v2.Event.get").size();
        await().atMost(Duration.ofSeconds(10)).until(() -> bitrix.calls(portal.memberId, "imbot.v2.Event.get").size() > polls);
    }

    @Test
    void aBotRemovedFromTheDeclarationIsUnregistered() {
        Portal portal = TestPortals.installed(bitrix);
        EmuBot retired = imbot.addOwnBot(portal, "v2", "b24bots_retired", Map.of("code", "b24bots_retired", "eventMode", "fetch"));
        Database.update("""
                insert into bot (member_id, config_id, code, api, type, event_mode, bot_id, status, attempts, created_at, updated_at,
                                 applied_fingerprint)
                values (?, 'retired', 'b24bots_retired', 'v2', 'bot', 'fetch', ?, 'registered', 1, now(), now(), 'old')
                """, portal.memberId, retired.id);
        EmuBot retiredV1 = imbot.addOwnBot(portal, "v1", "b24bots_retired_v1", Map.of("CODE", "b24bots_retired_v1"));
        Database.update("""
                insert into bot (member_id, config_id, code, api, type, event_mode, bot_id, status, attempts, created_at, updated_at,
                                 applied_fingerprint)
                values (?, 'retired_v1', 'b24bots_retired_v1', 'v1', 'B', 'webhook', ?, 'registered', 1, now(), now(), 'old')
                """, portal.memberId, retiredV1.id);
        EmuBot foreign = imbot.addBotOfAnotherApp(portal, "v1", "b24bots_foreign");

        converge(portal);

        assertThat(retired.deleted).isTrue();
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.unregister")).singleElement()
                .satisfies(c -> assertThat(((Number) c.params().get("botId")).longValue()).isEqualTo(retired.id));
        assertThat(retiredV1.deleted).isTrue();
        assertThat(bitrix.calls(portal.memberId, "imbot.unregister")).singleElement()
                .satisfies(c -> assertThat(((Number) c.params().get("BOT_ID")).longValue()).isEqualTo(retiredV1.id));
        assertThat(Database.count("select count(*) from bot where member_id = ? and code like 'b24bots_retired%'", portal.memberId))
                .isZero();
        assertThat(foreign.deleted).as("another app's bot is not ours to remove").isFalse();
    }

    /** A command no longer declared is removed with its API's unregister method; the declared ones stay. */
    @Test
    void aCommandRemovedFromTheDeclarationIsUnregistered() {
        Portal portal = TestPortals.installed(bitrix);
        long echo = bot(portal, "b24bots_echo").id;
        long support = bot(portal, "b24bots_support").id;
        ImbotEmulation.EmuCommand echoOld = imbot.addOwnCommand(portal, echo, "oldmenu");
        ImbotEmulation.EmuCommand supportOld = imbot.addOwnCommand(portal, support, "oldmenu");
        for (var old : List.of(Map.entry("b24bots_echo", echoOld), Map.entry("b24bots_support", supportOld))) {
            Database.update("""
                    update bot set applied_fingerprint = 'old', applied_state = jsonb_set(cast(applied_state as jsonb),
                        '{commands,oldmenu}', cast(? as jsonb))::text
                    where member_id = ? and code = ?
                    """, "{\"id\": " + old.getValue().id + ", \"fp\": \"old\", \"common\": false, \"langs\": [\"en\"]}",
                    portal.memberId, old.getKey());
        }

        converge(portal);

        assertThat(bitrix.calls(portal.memberId, "imbot.command.unregister")).singleElement()
                .satisfies(c -> assertThat(((Number) c.params().get("COMMAND_ID")).longValue()).isEqualTo(echoOld.id));
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Command.unregister")).singleElement()
                .satisfies(c -> assertThat(c.params()).containsEntry("botId", (int) support).containsEntry("commandId", (int) supportOld.id));
        assertThat(echoOld.deleted).isTrue();
        assertThat(supportOld.deleted).isTrue();
        assertThat(imbot.commands(portal)).filteredOn(c -> !c.deleted && c.command.equals("menu")).extracting(c -> c.botId)
                .containsExactlyInAnyOrder(echo, support);
        assertThat((String) BotRegistrationTest.bot(portal, "b24bots_echo").get("applied_state")).doesNotContain("oldmenu");
    }

    @Test
    void aRolloutInterruptedPartWayResumesWithoutRepeatingWhatWasDone() {
        Portal portal = TestPortals.installed(bitrix);
        int installUpdates = bitrix.calls(portal.memberId, "imbot.update").size();
        olderDeclarationApplied(portal, "b24bots_support");
        olderDeclarationApplied(portal, "b24bots_echo");
        // The v1 update fails on every run of the job (b24.registration.max-attempts=4), then the job gives up:
        // the v2 bot is done, the v1 bot is not.
        bitrix.failNext(portal, "imbot.update", 4, Fault.error(500, "INTERNAL_SERVER_ERROR"));
        appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.update")).hasSize(1);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("last_error_code")).isEqualTo("INTERNAL_SERVER_ERROR");
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("status")).as("still answering").isEqualTo("registered");

        assertThat(bitrix.calls(portal.memberId, "imbot.update")).hasSize(installUpdates + 4);
        appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);

        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.update")).as("done before, not repeated").hasSize(1);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("last_error_code")).isNull();
        assertThat(bitrix.calls(portal.memberId, "imbot.update")).hasSize(installUpdates + 5);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_echo").get("applied_fingerprint")).isNotEqualTo("old");
    }

    @Test
    void aFailingPortalDoesNotHoldUpTheOthers() {
        Portal failing = TestPortals.installed(bitrix);
        Portal a = TestPortals.installed(bitrix);
        Portal b = TestPortals.installed(bitrix);
        for (Portal portal : List.of(failing, a, b)) {
            olderDeclarationApplied(portal, "b24bots_support");
        }
        // Fails every run until its job gives up (b24.registration.max-attempts=4).
        bitrix.failNext(failing, "imbot.v2.Bot.update", 4, Fault.error(500, "INTERNAL_SERVER_ERROR"));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            rollout.queueNext();
            return bitrix.calls(failing.memberId, "imbot.v2.Bot.update").size() >= 2;
        });
        converge(a, b);

        assertThat(BotRegistrationTest.bot(failing, "b24bots_support").get("applied_fingerprint")).isEqualTo("old");
    }

    /**
     * A slow portal whose admin keeps pressing "Re-register all bots" used to hold both of the fleet's
     * rollout slots while the other portals waited: its own requests now run outside them.
     */
    @Test
    void aPortalsOwnRequestsHoldNoRolloutSlot() {
        Portal slow = TestPortals.installed(bitrix);
        Portal a = TestPortals.installed(bitrix);
        Portal b = TestPortals.installed(bitrix);
        for (Portal portal : List.of(slow, a, b)) {
            olderDeclarationApplied(portal, "b24bots_support");
        }
        slow.latencyMillis = 700;
        try {
            for (int i = 0; i < 3; i++) {
                administration.reregisterAll(slow.memberId);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                    "select count(*) from job where member_id = ? and status = 'running'", slow.memberId) == 1);

            // Slots held by portals of earlier tests (a failing portal's job waiting for its retry) are not ours to count.
            long heldElsewhere = Database.count("""
                    select count(distinct member_id) from job where kind = 'converge-bots' and member_id <> ?
                      and (status = 'running' or status = 'queued' and run_at <= now())
                    """, slow.memberId);
            assertThat(rollout.queueNext()).as("both slots free for the other portals").isEqualTo(2 - (int) heldElsewhere);
            converge(a, b);
            assertThat(Database.count("select count(*) from job where member_id = ? and status in ('queued', 'running')",
                    slow.memberId)).as("the slow portal is still at it").isPositive();
        } finally {
            slow.latencyMillis = 0;
            TestPortals.awaitJobsSettled(slow);
        }
    }

    @Test
    void aReplicaOfAnOlderDeclarationDoesNotUndoTheNewestOne() {
        Portal portal = TestPortals.installed(bitrix);
        olderDeclarationApplied(portal, "b24bots_support");
        String ours = (String) Database.rows("select fingerprint from bot_declaration").getFirst().get("fingerprint");
        // Another replica started later with another declaration: it is now the current one.
        Database.update("update bot_declaration set fingerprint = 'newer'");
        try {
            appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> Database.count("select count(*) from job where member_id = ? "
                    + "and kind = 'converge-bots-requested' and status = 'queued' and attempts > 0", portal.memberId) > 0);
            assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.update")).as("left to the newest replicas").isEmpty();

            // Installs still get their bots from this replica.
            Portal fresh = TestPortals.installed(bitrix);
            assertThat(imbot.liveBots(fresh, "b24bots_support")).hasSize(1);
        } finally {
            Database.update("update bot_declaration set fingerprint = ?", ours);
            Database.update("delete from job where member_id = ? and kind like 'converge-bots%'", portal.memberId);
        }
    }

    @Test
    void aBotWhoseCommandsFailStaysRegisteredAndGetsThemLater() {
        Portal portal = bitrix.createPortal();
        bitrix.failNext(portal, "imbot.v2.Command.register", 1, Fault.error(400, "COMMAND_REGISTER_FAILED"));
        BitrixRequests.frameInstall(portal, bitrix.issueTokens(portal, 1), TestPortals.applicationToken(portal))
                .then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        Map<String, Object> support = BotRegistrationTest.bot(portal, "b24bots_support");
        assertThat(support.get("status")).isEqualTo("registered");
        assertThat(support.get("last_error_code")).isEqualTo("COMMAND_REGISTER_FAILED");
        assertThat(imbot.commands(portal)).extracting(c -> c.api).containsExactly("v1", "v1");

        appUpdateEvent(portal, TestPortals.applicationToken(portal)).post("/b24/events").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        assertThat(imbot.commands(portal)).extracting(c -> c.api).containsExactlyInAnyOrder("v1", "v1", "v2");
        assertThat(BotRegistrationTest.bot(portal, "b24bots_support").get("last_error_code")).isNull();
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Bot.update")).as("its fields were already applied").isEmpty();
    }

    /**
     * Command changes reach the portal the way Bitrix24 takes them. imbot.command.update silently ignores
     * COMMON, so a v1 command whose common flag changed is registered again (new id); in
     * imbot.v2.Command.update a language left out keeps its text, so a language no longer declared is
     * sent as null. Here an older declaration had echo's menu common and support's menu in German too.
     */
    @Test
    void commandChangesReachThePortalTheWayBitrix24TakesThem() {
        Portal portal = TestPortals.installed(bitrix);
        long echo = bot(portal, "b24bots_echo").id;
        long support = bot(portal, "b24bots_support").id;
        ImbotEmulation.EmuCommand oldEcho = imbot.commands(portal).stream().filter(c -> c.botId == echo).findFirst().orElseThrow();
        ImbotEmulation.EmuCommand supportMenu = imbot.commands(portal).stream().filter(c -> c.botId == support).findFirst()
                .orElseThrow();
        oldEcho.params.put("COMMON", "Y");
        supportMenu.params.put("title", Map.of("en", "Show the menu", "de", "Zeige das Menü"));
        olderCommandApplied(portal, "b24bots_echo", "menu", "{\"common\": true, \"langs\": [\"en\"]}");
        olderCommandApplied(portal, "b24bots_support", "menu", "{\"common\": false, \"langs\": [\"de\", \"en\"]}");
        olderCommandApplied(portal, "b24bots_lines", "secret", "{\"common\": false, \"langs\": [\"en\"]}");

        converge(portal);

        assertThat(oldEcho.deleted).as("a COMMON change is a new registration").isTrue();
        ImbotEmulation.EmuCommand newEcho = imbot.commands(portal).stream().filter(c -> c.botId == echo && c.command.equals("menu"))
                .findFirst().orElseThrow();
        assertThat(newEcho.params).containsEntry("COMMON", "N");
        assertThat(bitrix.calls(portal.memberId, "imbot.command.update")).as("the hidden secret command, changed in place")
                .singleElement().satisfies(c -> assertThat(c.rawBody()).contains("HIDDEN").doesNotContain("COMMON"));
        assertThat(supportMenu.params.get("title")).isEqualTo(Map.of("en", "Show the menu"));
        assertThat(bitrix.calls(portal.memberId, "imbot.v2.Command.update")).singleElement()
                .satisfies(c -> assertThat(c.rawBody()).contains("\"de\":null"));
        assertThat((String) BotRegistrationTest.bot(portal, "b24bots_echo").get("applied_state"))
                .contains("\"id\":" + newEcho.id, "\"common\":false");
    }

    /** The command's state recorded as an older declaration left it, and the bot out of step. */
    private static void olderCommandApplied(Portal portal, String code, String command, String state) {
        Database.update("""
                update bot set applied_fingerprint = 'old',
                    applied_state = jsonb_set(cast(applied_state as jsonb), array['commands', ?, 'fp'], '"old"')::text
                where member_id = ? and code = ?
                """, command, portal.memberId, code);
        Database.update("""
                update bot set applied_state = jsonb_set(cast(applied_state as jsonb), array['commands', ?],
                    cast(applied_state as jsonb) -> 'commands' -> ? || cast(? as jsonb))::text
                where member_id = ? and code = ?
                """, command, command, state, portal.memberId, code);
    }

    @Test
    void aTickSearchesOnlyWhenTheLatestCountLeavesAPortalOutOfStep() {
        Instant now = Instant.now();
        Duration age = Duration.ofSeconds(30);
        var declaration = Optional.of(new Fingerprints.Recorded("fp", now.minus(Duration.ofHours(1))));
        assertThat(BotRollout.inStepBy(counted(7, 7, now.minusSeconds(5)), declaration, age, now))
                .as("counted 5 s ago, every portal in step: no search").isTrue();
        assertThat(BotRollout.inStepBy(counted(6, 7, now.minusSeconds(5)), declaration, age, now))
                .as("one portal out of step: the tick searches").isFalse();
        assertThat(BotRollout.inStepBy(counted(7, 7, now.minusSeconds(40)), declaration, age, now))
                .as("a count older than b24.rollout.progress-age").isFalse();
        assertThat(BotRollout.inStepBy(counted(7, 7, now.minusSeconds(5)),
                Optional.of(new Fingerprints.Recorded("fp", now.minusSeconds(2))), age, now))
                .as("a count taken before the declaration last changed").isFalse();
        assertThat(BotRollout.inStepBy(Optional.empty(), declaration, age, now)).as("nothing counted yet").isFalse();

        // This suite counts nothing in the background (b24.rollout.progress-age=0): a recorded count is not trusted.
        QuarkusTransaction.requiringNew().run(() -> fingerprints.recordProgress(7, 7));
        try {
            assertThat(rollout.inStepByTheLatestCount()).isFalse();
        } finally {
            Database.update("update bot_declaration set progress_at = null where id = 1");
        }
    }

    @Test
    void aReplicaOfAnOlderDeclarationCountsNoProgress() {
        String current = Database.text("select fingerprint from bot_declaration where id = 1");
        // A newer declaration started elsewhere: this replica's count goes by bots it no longer owns.
        Database.update("update bot_declaration set fingerprint = 'a-newer-declaration', progress_at = null where id = 1");
        try {
            rollout.progress();
            assertThat(Database.count("select count(*) from bot_declaration where id = 1 and progress_at is not null")).isZero();
        } finally {
            Database.update("update bot_declaration set fingerprint = ? where id = 1", current);
        }
        rollout.progress();
        assertThat(Database.count("select count(*) from bot_declaration where id = 1 and progress_at is not null")).isEqualTo(1);
        Database.update("update bot_declaration set progress_at = null where id = 1");
    }

    @Test
    void theDeclarationsFingerprintIsRecordedAtStart() {
        assertThat(Database.count("select count(*) from bot_declaration where id = 1 and length(fingerprint) = 64")).isEqualTo(1);
    }

    private static Optional<Fingerprints.CountedProgress> counted(long inStep, long active, Instant at) {
        return Optional.of(new Fingerprints.CountedProgress(inStep, active, at));
    }

    /** Runs the rollout (as its ticks would) until the portals' bots are all in step. */
    private void converge(Portal... portals) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            rollout.queueNext();
            for (Portal portal : portals) {
                if (Database.count("select count(*) from bot where member_id = ? and (applied_fingerprint is null "
                        + "or applied_fingerprint = 'old' or status <> 'registered')", portal.memberId) > 0
                        || Database.count("select count(*) from job where member_id = ? and status in ('queued', 'running')",
                                portal.memberId) > 0) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The row says an older declaration was applied (its fields differ; its commands stay as they are). */
    private static void olderDeclarationApplied(Portal portal, String code) {
        Database.update("""
                update bot set applied_fingerprint = 'old',
                    applied_state = jsonb_set(cast(applied_state as jsonb), '{properties}', '"old"')::text
                where member_id = ? and code = ?
                """, portal.memberId, code);
    }

    private EmuBot bot(Portal portal, String code) {
        return imbot.liveBots(portal, code).getFirst();
    }

    private int writes(Portal portal) {
        return bitrix.calls(c -> portal.memberId.equals(c.memberId()) && WRITES.contains(c.method())).size();
    }
}
