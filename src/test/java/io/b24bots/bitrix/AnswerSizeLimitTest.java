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
