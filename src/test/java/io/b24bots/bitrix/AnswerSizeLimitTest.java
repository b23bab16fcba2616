package io.b24bots.bitrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.oauth.OAuthClient;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A portal or OAuth server answering far more than {@code b24.rest.max-answer-size} (4 MB) is refused
 * after at most the cap is read: the connection is closed, so the emulator manages to write only a
 * fraction of a 64 MB answer, and the test JVM (default heap) carries on with the next portal.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class AnswerSizeLimitTest {

    private static final long HUGE = 64L * 1024 * 1024;

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Inject
    OAuthClient oauth;

    @Inject
    AnswerMemory memory;

    @Test
    void aHugeAnswerWithContentLengthIsRefusedUnread() {
        assertRefused(false);
    }

    @Test
    void aHugeChunkedAnswerIsCutOffAtTheCap() {
        assertRefused(true);
    }

    @Test
    void anAnswerJustUnderTheCapIsRead() {
        Portal portal = TestPortals.installed(bitrix);
        bitrix.answerRaw(portal, "server.time", 1, bitrix.oversized(4L * 1024 * 1024 - 16, true));

        assertThat(client.call(portal.memberId, "server.time", Map.of()).result().asText()).hasSize(4 * 1024 * 1024 - 29);
    }

    @Test
    void aHugeOAuthAnswerIsRefused() {
        Portal portal = bitrix.createPortal();
        String accessToken = bitrix.issueTokens(portal, 1).accessToken();
        long sentBefore = bitrix.rawBytesSent();
        int finishedBefore = bitrix.oversizedFinished();
        bitrix.answerOAuthRaw(portal, "app.info", 1, bitrix.oversized(HUGE, true));

        assertThatThrownBy(() -> oauth.appInfo(bitrix.oauthUrl(), accessToken))
                .isInstanceOf(OAuthUnavailableException.class).hasMessageContaining("too large");
        await().atMost(Duration.ofSeconds(10)).until(() -> bitrix.oversizedFinished() > finishedBefore);
        assertThat(bitrix.rawBytesSent() - sentBefore).isLessThan(HUGE / 2);
        assertThat(oauth.appInfo(bitrix.oauthUrl(), accessToken).memberId()).isEqualTo(portal.memberId);
    }

    /**
     * Under the byte cap, but a million objects once parsed: the answer is refused as malformed while
     * it is parsed, never built as a tree (HostileTenantsIT shows the same under the shipped heap).
     */
    @Test
    void anAnswerOfMillionsOfEmptyObjectsIsMalformedNotAHeapFull() {
        Portal hostile = TestPortals.installed(bitrix);
        Portal healthy = TestPortals.installed(bitrix);
        bitrix.answerRaw(hostile, "server.time", 1, Bitrix24Emulator.rawJson(200, manyEmptyObjects(3_900_000)));

        assertThatThrownBy(() -> client.call(hostile.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo(BitrixException.MALFORMED_ANSWER);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.description()).contains("b24.rest.max-answer-tokens");
                });
        assertThat(client.call(healthy.memberId, "server.time", Map.of()).result().asText()).isNotBlank();
    }

    @Test
    void anAnswerNestedDeeperThanBitrix24EverAnswersIsMalformed() {
        Portal hostile = TestPortals.installed(bitrix);
        bitrix.answerRaw(hostile, "server.time", 1,
                Bitrix24Emulator.rawJson(200, "{\"result\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}"));

        assertThatThrownBy(() -> client.call(hostile.memberId, "server.time", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo(BitrixException.MALFORMED_ANSWER);
                    assertThat(e.description()).contains("deeper than " + AnswerReader.MAX_DEPTH);
                });
    }

    /** A portal that answers only garbage is cut off like one that does not answer at all. */
    @Test
    void malformedAnswersOpenThePortalsBreaker() {
        Portal hostile = TestPortals.installed(bitrix);
        bitrix.answerRaw(hostile, "server.time", -1, Bitrix24Emulator.rawJson(200, manyEmptyObjects(400_000)));
        try {
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> client.call(hostile.memberId, "server.time", Map.of()))
                        .hasMessageStartingWith(BitrixException.MALFORMED_ANSWER);
            }
            int calls = bitrix.calls(hostile.memberId, "server.time").size();
            assertThatThrownBy(() -> client.call(hostile.memberId, "server.time", Map.of()))
                    .hasMessageStartingWith(BitrixException.PORTAL_BACKED_OFF);
            assertThat(bitrix.calls(hostile.memberId, "server.time")).as("no call while backed off").hasSize(calls);
        } finally {
            bitrix.answerRaw(hostile, "server.time", 0, null);
        }
    }

    /**
     * Large answers share one budget of heap: while other answers hold it, a large one fails as
     * transient (its job retries), a small one is read as usual, and once the budget is free again
     * the large one is read too.
     */
    @Test
    void aLargeAnswerWaitsForTheAnswerMemoryAndSmallOnesNeverDo() {
        Portal portal = TestPortals.installed(bitrix);
        String large = "{\"result\":[" + "1,".repeat(50_000) + "1]}";
        long held = memory.capacity() - memory.used();
        assertThat(memory.tryReserve(held)).isTrue();
        try {
            bitrix.answerRaw(portal, "server.time", 1, Bitrix24Emulator.rawJson(200, large));
            assertThatThrownBy(() -> client.call(portal.memberId, "server.time", Map.of()))
                    .isInstanceOfSatisfying(BitrixException.class, e -> {
                        assertThat(e.code()).isEqualTo(BitrixException.ANSWER_MEMORY_BUSY);
                        assertThat(e.isTransient()).isTrue();
                    });
            assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        } finally {
            memory.release(held);
        }
        bitrix.answerRaw(portal, "server.time", 1, Bitrix24Emulator.rawJson(200, large));
        assertThat(client.call(portal.memberId, "server.time", Map.of()).result().size()).isEqualTo(50_001);
        assertThat(memory.used()).as("every answer gave its memory back").isZero();
    }

    /** {@code {"result":[{},{},…]}} of about {@code bytes} bytes. */
    static String manyEmptyObjects(int bytes) {
        StringBuilder body = new StringBuilder(bytes + 16).append("{\"result\":[{}");
        while (body.length() < bytes) {
            body.append(",{}");
        }
        return body.append("]}").toString();
    }

    private void assertRefused(boolean chunked) {
        Portal hostile = TestPortals.installed(bitrix);
        Portal healthy = TestPortals.installed(bitrix);
        long sentBefore = bitrix.rawBytesSent();
        int finishedBefore = bitrix.oversizedFinished();
        int callsBefore = bitrix.calls(hostile.memberId, "profile").size();
        bitrix.answerRaw(hostile, "profile", 1, bitrix.oversized(HUGE, chunked));

        assertThatThrownBy(() -> client.call(hostile.memberId, "profile", Map.of()))
                .isInstanceOfSatisfying(BitrixException.class, e -> {
                    assertThat(e.code()).isEqualTo(BitrixException.ANSWER_TOO_LARGE);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.description()).contains("b24.rest.max-answer-size");
                });

        // The client hung up instead of draining the rest of the answer.
        await().atMost(Duration.ofSeconds(10)).until(() -> bitrix.oversizedFinished() > finishedBefore);
        assertThat(bitrix.rawBytesSent() - sentBefore).isLessThan(HUGE / 2);
        assertThat(bitrix.calls(hostile.memberId, "profile")).hasSize(callsBefore + 1);
        assertThat(client.call(healthy.memberId, "profile", Map.of()).result().path("ADMIN").asBoolean()).isTrue();
        assertThat(client.call(hostile.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
    }
}
