package io.b24bots.bitrix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;

/** A batch command's parameters survive the trip through a PHP-style query string, nesting and text included. */
class PhpQueryTest {

    @Test
    void nestedParametersRoundTripAsPhpParsesThem() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("BOT_ID", 17L);
        params.put("DIALOG_ID", "chat5");
        params.put("MESSAGE", "Привет & [b]bye[/b] = 100% ?");
        params.put("KEYBOARD", List.of(Map.of("TEXT", "More", "COMMAND", "menu"), Map.of("TYPE", "NEWLINE")));
        params.put("fields", Map.of("system", true, "urlPreview", false));
        params.put("absent", null);

        String query = PhpQuery.encode(params);

        assertThat(query).doesNotContain(" ", "&&", "absent");
        assertThat(Bitrix24Emulator.nested(query)).isEqualTo(Map.of(
                "BOT_ID", "17",
                "DIALOG_ID", "chat5",
                "MESSAGE", "Привет & [b]bye[/b] = 100% ?",
                "KEYBOARD", List.of(Map.of("TEXT", "More", "COMMAND", "menu"), Map.of("TYPE", "NEWLINE")),
                "fields", Map.of("system", "Y", "urlPreview", "N")));
    }
}
