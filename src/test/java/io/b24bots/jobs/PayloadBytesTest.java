package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The per-portal byte cap counts a payload as PostgreSQL stores it, without encoding it to count. */
class PayloadBytesTest {

    @Test
    void countsTheUtf8BytesOfEveryKindOfText() {
        for (String text : new String[] {"", "{\"event\":\"ONIMBOTMESSAGEADD\"}", "Привет, как дела?", "naïve café",
                "注文の状況", "emoji 👍🏽 and 𝄞", "mixed ASCII, кириллица, 中文 and 🎉"}) {
            assertThat(JobQueue.payloadBytes(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        }
        assertThat(JobQueue.payloadBytes(null)).isZero();
    }
}
