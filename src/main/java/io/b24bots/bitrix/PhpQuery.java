package io.b24bots.bitrix;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Parameters as a PHP-style query string ({@code KEYBOARD[BUTTONS][0][TEXT]=…}), the form a
 * {@code batch} command carries them in. Lists are indexed from 0, booleans become {@code Y}/{@code N}
 * (Bitrix24's REST convention for flags outside JSON), and nulls are left out.
 */
final class PhpQuery {

    private PhpQuery() {
    }

    static String encode(Map<String, ?> params) {
        StringBuilder out = new StringBuilder();
        params.forEach((key, value) -> append(out, key, value));
        return out.toString();
    }

    private static void append(StringBuilder out, String key, Object value) {
        switch (value) {
            case null -> {
            }
            case Map<?, ?> map -> map.forEach((k, v) -> append(out, key + "[" + k + "]", v));
            case Collection<?> list -> {
                int i = 0;
                for (Object item : list) {
                    append(out, key + "[" + i++ + "]", item);
                }
            }
            case Object[] array -> {
                for (int i = 0; i < array.length; i++) {
                    append(out, key + "[" + i + "]", array[i]);
                }
            }
            case Boolean flag -> pair(out, key, flag ? "Y" : "N");
            default -> pair(out, key, value.toString());
        }
    }

    private static void pair(StringBuilder out, String key, String value) {
        if (!out.isEmpty()) {
            out.append('&');
        }
        out.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
}
