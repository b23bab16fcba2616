package io.b24bots.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FormDataTest {

    private static FormData parse(String body) {
        return FormData.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsNestedKeysAsBitrix24SendsThem() {
        FormData form = parse("event=ONIMBOTMESSAGEADD&data[PARAMS][MESSAGE]=Hello+world%21"
                + "&data[BOT][42][BOT_CODE]=echo&auth[application_token]=abc&ts=1");

        assertThat(form.text("event")).isEqualTo("ONIMBOTMESSAGEADD");
        assertThat(form.text("data", "PARAMS", "MESSAGE")).isEqualTo("Hello world!");
        assertThat(form.group("data", "BOT", "42").text("BOT_CODE")).isEqualTo("echo");
        assertThat(form.text("auth", "application_token")).isEqualTo("abc");
        assertThat(form.text("data")).as("a group is not a value").isNull();
        assertThat(form.group("missing").isEmpty()).isTrue();
    }

    @Test
    void encodedBracketsAndEmptyIndexesAppend() {
        FormData form = parse("data%5BFILES%5D%5B%5D=a&data[FILES][]=b&flag");

        assertThat(form.group("data", "FILES").asMap()).containsExactly(Map.entry("0", "a"), Map.entry("1", "b"));
        assertThat(form.text("flag")).isEmpty();
    }

    @Test
    void decodesUtf8() {
        assertThat(parse("m=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82").text("m")).isEqualTo("Привет");
    }

    @Test
    void canonicalFormIgnoresFieldOrder() {
        assertThat(parse("b[y]=2&b[x]=1&a=0").canonical()).isEqualTo(parse("a=0&b[x]=1&b[y]=2").canonical());
    }

    @Test
    void refusesAmbiguousOrBrokenInput() {
        for (String body : new String[] {"a[b=1", "a]=1", "a[b]c=1", "a=1&a[b]=2", "a[b]=2&a=1", "=1", "[a]=1",
                "a[[b]]=1", "a=%G1", "a=%4", "a=%ff"}) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOf(FormData.MalformedForm.class);
        }
    }

    @Test
    void limitsDepthAndFieldCount() {
        assertThatThrownBy(() -> parse("a" + "[x]".repeat(FormData.MAX_DEPTH) + "=1"))
                .hasMessageContaining("nested deeper");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= FormData.MAX_FIELDS; i++) {
            many.append("f").append(i).append("=1&");
        }
        assertThatThrownBy(() -> parse(many.toString())).hasMessageContaining("too many");
    }
}
