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
    void bracketsInNamesReadTheSameLiteralOrEncodedInEitherCase() {
        for (String name : new String[] {"data[BOT][3038][BOT_ID]", "data%5BBOT%5D%5B3038%5D%5BBOT_ID%5D",
                "data%5bBOT%5d%5b3038%5d%5bBOT_ID%5d", "data[BOT%5D%5B3038][BOT_ID%5d", "d%61ta[B%4FT][3038][BOT_ID]",
                "data[BOT][30%338][BOT%5fID]"}) {
            assertThat(parse(name + "=5").text("data", "BOT", "3038", "BOT_ID")).as(name).isEqualTo("5");
        }
        for (String body : new String[] {"a%5Bb=1", "a%5D=1", "a%5Bb%5Dc=1", "a%5B%5Bb%5D%5D=1", "%5Ba%5D=1", "a%5B%5=1",
                "a[b%5D%5Bc=1"}) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOf(FormData.MalformedForm.class);
        }
    }

    /** Each portal names its bot by its own id: more names than the name cache holds, all read right. */
    @Test
    void botIdsOfManyPortalsReadRight() {
        for (int id = 1; id <= FormData.KEY_PATHS_KEPT * 2; id++) {
            FormData form = parse("data%5BBOT%5D%5B" + id + "%5D%5BBOT_ID%5D=" + id + "&data%5BBOT%5D%5B" + id + "%5D%5BBOT_CODE%5D=echo");
            assertThat(form.text("data", "BOT", Integer.toString(id), "BOT_ID")).isEqualTo(Integer.toString(id));
            assertThat(form.group("data", "BOT", Integer.toString(id)).asMap()).containsOnlyKeys("BOT_ID", "BOT_CODE");
        }
    }

    @Test
    void decodesUtf8() {
        assertThat(parse("m=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82").text("m")).isEqualTo("Привет");
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

    @Test
    void depthAndFieldCountUpToTheLimitsAreRead() {
        String deepest = "a" + "[x]".repeat(FormData.MAX_DEPTH - 1);
        assertThat(parse(deepest + "=1").text(("a" + ",x".repeat(FormData.MAX_DEPTH - 1)).split(","))).isEqualTo("1");
        StringBuilder most = new StringBuilder();
        for (int i = 0; i < FormData.MAX_FIELDS; i++) {
            most.append("f").append(i).append("=1&");
        }
        // Empty pairs (&&) are no fields and do not count.
        most.append("&&&");
        assertThat(parse(most.toString()).text("f" + (FormData.MAX_FIELDS - 1))).isEqualTo("1");
    }

    @Test
    void aRepeatedValueKeepsTheLastOneAsPhpDoes() {
        FormData form = parse("a=1&a=2&g[k]=x&g[k]=y");

        assertThat(form.text("a")).isEqualTo("2");
        assertThat(form.text("g", "k")).isEqualTo("y");
    }

    @Test
    void aKeyUsedAsValueAndGroupIsRefusedAtAnyDepth() {
        for (String body : new String[] {"d[a]=1&d[a][b]=2", "d[a][b]=2&d[a]=1", "d[]=1&d[0][x]=2"}) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOf(FormData.MalformedForm.class)
                    .hasMessageContaining("both as a value and as a group");
        }
    }

    @Test
    void valuesKeepEqualsSignsEncodedAmpersandsAndPlus() {
        FormData form = parse("a=b=c&m=x%26y%3Dz&p=1%2B1+2&e=&k%5Bx%5D=v");

        assertThat(form.text("a")).isEqualTo("b=c");
        assertThat(form.text("m")).isEqualTo("x&y=z");
        assertThat(form.text("p")).isEqualTo("1+1 2");
        assertThat(form.text("e")).isEmpty();
        assertThat(form.text("k", "x")).isEqualTo("v");
    }

    @Test
    void bracketsInsideValuesAreText() {
        assertThat(parse("m=%5Bb%5Dbold%5B%2Fb%5D").text("m")).isEqualTo("[b]bold[/b]");
        assertThat(parse("m=[b]x[/b]").text("m")).isEqualTo("[b]x[/b]");
    }

    @Test
    void rawUtf8AndAnEncodedReplacementCharacterAreText() {
        FormData form = FormData.parse("m=Привет+мир&r=%EF%BF%BD&k[ключ]=v".getBytes(StandardCharsets.UTF_8));

        assertThat(form.text("m")).isEqualTo("Привет мир");
        assertThat(form.text("r")).as("U+FFFD sent on purpose is not a decoding error").isEqualTo("\uFFFD");
        assertThat(form.text("k", "ключ")).isEqualTo("v");
    }

    @Test
    void rawBytesThatAreNotUtf8AreRefused() {
        byte[] body = {'a', '=', 'x', (byte) 0xC3, '(', '&', 'b', '=', '1'};
        assertThatThrownBy(() -> FormData.parse(body)).hasMessageContaining("not valid UTF-8");
        byte[] escapedTail = {'a', '=', (byte) 0xD0, '%', '4', '1'};
        assertThatThrownBy(() -> FormData.parse(escapedTail)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void overlongAndTruncatedUtf8IsRefused() {
        for (String body : new String[] {"a=%C0%AF", "a=%E2%82", "a=%ED%A0%80", "%FF=1",
                "a=%F4%90%80%80", "a=%EF%BF%BD%FF"}) {
            assertThatThrownBy(() -> parse(body)).as(body).hasMessageContaining("not valid UTF-8");
        }
    }

    @Test
    void aRefusalIsA400ThatQuotesAtMostTheStartOfAKey() {
        String longKey = "k".repeat(500) + "[a";
        assertThatThrownBy(() -> parse(longKey + "=1"))
                .isInstanceOfSatisfying(FormData.MalformedForm.class, e -> {
                    assertThat(e.kind()).isEqualTo(Refusal.Kind.INVALID);
                    assertThat(e.description()).contains("k".repeat(60) + "…").doesNotContain("k".repeat(61));
                });
    }

    @Test
    void missingPathsAndTypeMismatchesReadAsAbsent() {
        FormData form = parse("a[b]=1&v=2");

        assertThat(form.text("a", "b", "c")).isNull();
        assertThat(form.text("v", "x")).isNull();
        assertThat(form.group("v").isEmpty()).isTrue();
        assertThat(form.group("a", "b").isEmpty()).isTrue();
        assertThat(FormData.parse(null).isEmpty()).isTrue();
        assertThat(FormData.parse(new byte[0]).isEmpty()).isTrue();
    }

    @Test
    void theParsedViewCannotBeChanged() {
        assertThatThrownBy(() -> parse("a=1").asMap().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void onlyFormBodiesAreAccepted() {
        byte[] body = "a=1".getBytes(StandardCharsets.UTF_8);

        assertThat(FormBodies.parse("application/x-www-form-urlencoded", body).text("a")).isEqualTo("1");
        assertThat(FormBodies.parse("Application/X-WWW-Form-Urlencoded; charset=UTF-8", body).text("a")).isEqualTo("1");
        for (String type : new String[] {null, "application/json", "multipart/form-data; boundary=x", "text/plain"}) {
            assertThatThrownBy(() -> FormBodies.parse(type, body)).as(String.valueOf(type))
                    .isInstanceOfSatisfying(Refusal.class, e -> assertThat(e.kind()).isEqualTo(Refusal.Kind.UNSUPPORTED_MEDIA_TYPE));
        }
        assertThat(FormBodies.parse("application/json", new byte[0]).isEmpty()).as("no body, nothing to refuse").isTrue();
    }

    @Test
    void aBodyDeclaredOver512KilobytesIsRefusedBeforeReading() {
        assertThat(BodyLimit.tooLarge(String.valueOf(512 * 1024), 512 * 1024)).isFalse();
        assertThat(BodyLimit.tooLarge(String.valueOf(512 * 1024 + 1), 512 * 1024)).isTrue();
        assertThat(BodyLimit.tooLarge(" 600000 ", 512 * 1024)).isTrue();
        // Not a number: left to the HTTP server, which refuses a broken Content-Length itself.
        assertThat(BodyLimit.tooLarge("abc", 512 * 1024)).isFalse();
    }

    /** Field names come from outside: the cache of their key paths stays bounded, and parsing stays right past it. */
    @Test
    void aFloodOfDistinctFieldNamesKeepsTheNameCacheBounded() {
        for (int i = 0; i < FormData.KEY_PATHS_KEPT * 3; i++) {
            FormData form = FormData.parse(("f" + i + "[a][]=x&f" + i + "[a][]=y").getBytes(StandardCharsets.UTF_8));
            assertThat(form.text("f" + i, "a", "1")).isEqualTo("y");
            assertThat(FormData.keyPathsKept()).isLessThanOrEqualTo(FormData.KEY_PATHS_KEPT);
        }
        String longName = "n".repeat(5_000);
        assertThat(FormData.parse((longName + "[k]=v").getBytes(StandardCharsets.UTF_8)).text(longName, "k")).isEqualTo("v");
        assertThatThrownBy(() -> FormData.parse("a[b=1".getBytes(StandardCharsets.UTF_8))).isInstanceOf(FormData.MalformedForm.class);
        assertThatThrownBy(() -> FormData.parse("a[b=1".getBytes(StandardCharsets.UTF_8))).isInstanceOf(FormData.MalformedForm.class);
    }
}
