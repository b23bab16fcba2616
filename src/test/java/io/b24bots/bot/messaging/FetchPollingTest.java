package io.b24bots.bot.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import io.b24bots.bot.registration.BotRegistrationTest;
import io.b24bots.testing.Bitrix24Emulator.Call;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.ImbotEmulation;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** v2 bots in fetch mode read their events with imbot.v2.Event.get, from the stored offset on. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class FetchPollingTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();
    final ImbotEmulation imbot = bitrix.imbot();

    @Test
    void fetchedMessagesAreAnsweredOnceAndTheOffsetMovesOn() {
        Portal portal = TestPortals.installed(bitrix);
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");

        long first = imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 11, "one", "11"));
        imbot.pushEvent(portal, helper, "ONIMBOTV2JOINCHAT", Map.of("bot", Map.of("id", helper), "dialogId", "chat3",
                "chat", Map.of("id", 3, "dialogId", "chat3"), "user", Map.of("id", 11, "bot", false), "language", "en"));
        // In a group chat the bot answers only when mentioned; the mention is not part of the text it sees.
        long last = imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD",
                message(helper, 12, "[USER=" + helper + "]Helper[/USER] two", "chat3"));

        await().atMost(Duration.ofSeconds(10)).until(() -> imbot.messages(portal).size() == 3);
        assertThat(imbot.messages(portal)).containsExactly(
                new SentMessage(helper, "11", "You wrote: one", "v2"),
                new SentMessage(helper, "chat3", "Hello! I am Helper. Write \"help\" to see what I can do.", "v2"),
                new SentMessage(helper, "chat3", "You wrote: two", "v2"));
        await().until(() -> Long.valueOf(last + 1).equals(BotRegistrationTest.bot(portal, "b24bots_helper").get("fetch_offset")));

        long next = imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 13, "three", "13"));
        await().until(() -> imbot.messages(portal).size() == 4);
        // Polls after the first carry the stored offset, which acknowledges what was handled.
        await().until(() -> bitrix.calls(portal.memberId, "imbot.v2.Event.get").stream()
                .anyMatch(c -> Long.valueOf(next + 1).equals(number(c, "offset"))));
        Call firstPoll = bitrix.calls(portal.memberId, "imbot.v2.Event.get").getFirst();
        assertThat(firstPoll.params()).containsKeys("botId", "limit", "auth").doesNotContainKey("offset");
        assertThat(number(firstPoll, "botId")).isEqualTo(helper);
        assertThat(first).isLessThan(next);
        assertThat(imbot.messages(portal)).hasSize(4);
    }

    @Test
    void theCountOfQuietPollsIsKeptWithTheBotSoARestartContinuesItsPace() {
        Portal portal = TestPortals.installed(bitrix);
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");
        // As a replica that polled it quietly forty times before a restart left it (set between polls,
        // so no poll in flight writes its own count over it).
        await().until(() -> Database.update("""
                update bot set quiet_polls = 40, next_poll_at = now()
                where member_id = ? and code = 'b24bots_helper' and poll_owner is null""", portal.memberId) == 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> quietPolls(portal) > 40);
        assertThat(quietPolls(portal)).as("counted on from the stored count, not from zero").isBetween(41L, 45L);

        imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 31, "awake", "31"));
        await().atMost(Duration.ofSeconds(10)).until(() -> imbot.messages(portal).size() == 1);
        await().until(() -> quietPolls(portal) == 0);
    }

    private static long quietPolls(Portal portal) {
        return Database.count("select quiet_polls from bot where member_id = ? and code = 'b24bots_helper'", portal.memberId);
    }

    @Test
    void moreThanOnePageIsReadInOrderWithoutLosingAnything() {
        Portal portal = TestPortals.installed(bitrix);
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");
        double handledBefore = Metrics.sum("b24_jobs_completed_total", "kind=\"bot-event\",outcome=\"done\"");
        for (int i = 0; i < 105; i++) {
            imbot.pushEvent(portal, helper, "ONIMBOTV2REACTIONCHANGE", Map.of("bot", Map.of("id", helper), "n", i));
        }
        long last = imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 21, "after the reactions", "21"));

        await().atMost(Duration.ofSeconds(15)).until(() -> imbot.messages(portal).size() == 1);
        TestPortals.awaitJobsSettled(portal);
        // Every event was read (the offset is past the last one) and handled: none waits or failed,
        // and a handled event's job is deleted (HandleBotEventJob keeps no finished jobs).
        await().until(() -> Long.valueOf(last + 1).equals(BotRegistrationTest.bot(portal, "b24bots_helper").get("fetch_offset")));
        assertThat(Database.count(
                "select count(*) from job where member_id = ? and kind = 'bot-event'", portal.memberId)).isZero();
        assertThat(Metrics.sum("b24_jobs_completed_total", "kind=\"bot-event\",outcome=\"done\"") - handledBefore)
                .isGreaterThanOrEqualTo(106);
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("You wrote: after the reactions");
    }

    @Test
    void anEventGetAnswerWithoutNextOffsetLeavesTheOffsetAndTheBotIsPolledAgain() {
        Portal portal = TestPortals.installed(bitrix);
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");
        imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 31, "before", "31"));
        await().atMost(Duration.ofSeconds(10)).until(() -> imbot.messages(portal).size() == 1);
        await().until(() -> BotRegistrationTest.bot(portal, "b24bots_helper").get("fetch_offset") != null);
        Object offset = BotRegistrationTest.bot(portal, "b24bots_helper").get("fetch_offset");
        int pollsBefore = bitrix.calls(portal.memberId, "imbot.v2.Event.get").size();

        bitrix.answerRaw(portal, "imbot.v2.Event.get", 2, Bitrix24Emulator.rawJson(200,
                "{\"result\":{\"events\":[{\"eventId\":999,\"type\":\"ONIMBOTV2MESSAGEADD\",\"data\":{}}],\"hasMore\":false}}"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> bitrix.calls(portal.memberId, "imbot.v2.Event.get").size() >= pollsBefore + 2);
        assertThat(BotRegistrationTest.bot(portal, "b24bots_helper").get("fetch_offset")).isEqualTo(offset);

        // Polled again after the malformed answers (an exception in the poller would hold the lease for a minute).
        imbot.pushEvent(portal, helper, "ONIMBOTV2MESSAGEADD", message(helper, 32, "after", "32"));
        await().atMost(Duration.ofSeconds(20)).until(() -> imbot.messages(portal).size() == 2);
        assertThat(imbot.messages(portal)).extracting(SentMessage::text).containsExactly("You wrote: before", "You wrote: after");
    }

    @Test
    void aPortalWhoseEventGetKeepsFailingIsPolledLessAndLessOften() {
        Portal failing = TestPortals.installed(bitrix);
        Portal healthy = TestPortals.installed(bitrix);
        bitrix.answerRaw(failing, "imbot.v2.Event.get", -1, Bitrix24Emulator.rawJson(503, ""));
        int failingBefore = helperPolls(failing);
        await().atMost(Duration.ofSeconds(10)).until(() -> helperPolls(failing) > failingBefore);
        int failingAtStart = helperPolls(failing);
        int healthyAtStart = helperPolls(healthy);

        // The interval is 1 s in tests: while the healthy bot is polled six times, the failing one waits
        // 1, 2, 4 and 8 seconds between polls (without the back-off it would be polled about six times too).
        // Only helper's polls count: every other fetch-mode bot declared is polled on its own.
        await().atMost(Duration.ofSeconds(20)).until(() -> helperPolls(healthy) >= healthyAtStart + 6);
        assertThat(helperPolls(failing) - failingAtStart).isLessThanOrEqualTo(3);
        bitrix.answerRaw(failing, "imbot.v2.Event.get", 0, Bitrix24Emulator.rawJson(503, ""));
    }

    private static Map<String, Object> message(long botId, long authorId, String text, String dialogId) {
        return Map.of(
                "bot", Map.of("id", botId, "code", "b24bots_helper"),
                "message", Map.of("id", text.hashCode(), "chatId", 3, "authorId", authorId, "text", text, "isSystem", false),
                "chat", Map.of("id", 3, "dialogId", dialogId, "type", dialogId.startsWith("chat") ? "chat" : "private"),
                "user", Map.of("id", authorId, "bot", false, "type", "employee"),
                "language", "en");
    }

    private int helperPolls(Portal portal) {
        long helper = TestPortals.botId(bitrix, portal, "b24bots_helper");
        return bitrix.calls(c -> portal.memberId.equals(c.memberId()) && c.method().equals("imbot.v2.Event.get")
                && Long.valueOf(helper).equals(number(c, "botId"))).size();
    }

    private static Long number(Call call, String key) {
        Object value = call.params().get(key);
        return value instanceof Number n ? n.longValue() : null;
    }
}
