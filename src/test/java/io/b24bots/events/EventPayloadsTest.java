package io.b24bots.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.web.FormData;

/** Event data as it is hashed for deduplication and stored in the queue. */
class EventPayloadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> parsed(String form) {
        return FormData.parse(form.getBytes(StandardCharsets.UTF_8)).group("data").asMap();
    }

    private static String data(String form) {
        return EventPayloads.canonicalJson(JSON, parsed(form));
    }

    @Test
    void twoDeliveriesOfOneEventCompareEqualWhateverTheFieldOrder() {
        assertThat(data("data[b][y]=2&data[b][x]=1&data[a]=0")).isEqualTo(data("data[a]=0&data[b][x]=1&data[b][y]=2"));
        assertThat(data("data[d][z][b]=1&data[d][z][a]=2&data[d][y]=3")).isEqualTo("{\"d\":{\"y\":\"3\",\"z\":{\"a\":\"2\",\"b\":\"1\"}}}");
    }

    @Test
    void tokensAndExpiriesAreDroppedAtEveryLevel() {
        String data = data("data[BOT][5][access_token]=a&data[BOT][5][AUTH][refresh_token]=r"
                + "&data[BOT][5][BOT_ID]=5&data[bot][auth][application_token]=t&data[bot][id]=7&data[PARAMS][expires]=1"
                + "&data[PARAMS][Expires_In]=2&data[PARAMS][MESSAGE]=hi");

        assertThat(data).doesNotContain("access_token", "refresh_token", "application_token", "xpires", "\"a\"", "\"r\"")
                .isEqualTo("{\"BOT\":{\"5\":{\"BOT_ID\":\"5\"}},\"PARAMS\":{\"MESSAGE\":\"hi\"},\"bot\":{\"id\":\"7\"}}");
    }

    /** Dedup marks written by earlier versions (a sorted copy written by the mapper) must still match. */
    @Test
    void theTextIsWhatTheMapperWroteForASortedCopy() throws Exception {
        String form = "data[PARAMS][MESSAGE]=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%22quoted%22+back%5Cslash%0Anew+line%09tab%01"
                + "&data[PARAMS][\u00e9t\u00e9]=%F0%9F%98%80&data[PARAMS][a]=&data[PARAMS][B]=upper&data[PARAMS][_]=x"
                + "&data[USER][NAME]=%3Cb%3E%26amp%3B&data[list][]=one&data[list][]=two&data[auth][domain]=d";

        assertThat(data(form)).isEqualTo(JSON.writeValueAsString(sortedCopy(parsed(form))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sortedCopy(Map<String, Object> group) {
        Set<String> dropped = Set.of("auth", "access_token", "refresh_token", "application_token", "expires", "expires_in");
        Map<String, Object> out = new TreeMap<>();
        group.forEach((key, value) -> {
            if (!dropped.contains(key.toLowerCase(Locale.ROOT))) {
                out.put(key, value instanceof Map ? sortedCopy((Map<String, Object>) value) : value);
            }
        });
        return out;
    }
}
