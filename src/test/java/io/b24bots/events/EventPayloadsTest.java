package io.b24bots.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.web.FormData;

/** Event data as it is hashed for deduplication and stored in the queue. */
class EventPayloadsTest {

    private static Map<String, Object> data(String form) {
        return EventPayloads.withoutSecrets(FormData.parse(form.getBytes(StandardCharsets.UTF_8)).group("data").asMap());
    }

    @Test
    void twoDeliveriesOfOneEventCompareEqualWhateverTheFieldOrder() {
        assertThat(data("data[b][y]=2&data[b][x]=1&data[a]=0")).isEqualTo(data("data[a]=0&data[b][x]=1&data[b][y]=2"));
        assertThat(data("data[d][z][b]=1&data[d][z][a]=2&data[d][y]=3").toString()).isEqualTo("{d={y=3, z={a=2, b=1}}}");
    }

    @Test
    void tokensAndExpiriesAreDroppedAtEveryLevel() {
        Map<String, Object> data = data("data[BOT][5][access_token]=a&data[BOT][5][AUTH][refresh_token]=r"
                + "&data[BOT][5][BOT_ID]=5&data[bot][auth][application_token]=t&data[bot][id]=7&data[PARAMS][expires]=1"
                + "&data[PARAMS][MESSAGE]=hi");

        assertThat(data.toString()).doesNotContain("access_token", "refresh_token", "application_token", "expires", "=a", "=r")
                .contains("BOT_ID=5", "id=7", "MESSAGE=hi");
    }
}
