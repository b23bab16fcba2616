package io.b24bots.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.b24bots.bitrix.BitrixErrorCodes;
import io.quarkus.qute.i18n.Message;

/** Every Bitrix24 error code the admin page knows gets an explanation that exists in English and Russian. */
class ErrorExplanationsTest {

    /** Answers each message with its own key, so an explanation names the message it picked. */
    static final AdminMessages KEYS = (AdminMessages) Proxy.newProxyInstance(AdminMessages.class.getClassLoader(),
            new Class<?>[] {AdminMessages.class}, (proxy, method, args) -> method.getName());

    static Properties russian() throws IOException {
        Properties ru = new Properties();
        try (Reader in = new InputStreamReader(
                ErrorExplanationsTest.class.getResourceAsStream("/messages/msg_ru.properties"), StandardCharsets.UTF_8)) {
            ru.load(in);
        }
        return ru;
    }

    static List<String> knownCodes() {
        return new ArrayList<>(BitrixErrorCodes.advised().keySet());
    }

    @Test
    void everyKnownCodeHasItsOwnExplanationInBothLanguages() throws Exception {
        Properties ru = russian();
        List<String> codes = knownCodes();
        codes.addAll(List.of("OVERLOAD_LIMIT", "HTTP_500", "HTTP_502", "HTTP_503"));
        assertThat(codes).hasSizeGreaterThan(40);

        for (String code : codes) {
            String key = ErrorExplanations.explain(code, KEYS);
            assertThat(key).as(code).startsWith("explain").isNotEqualTo("explainOther");
            Method method = AdminMessages.class.getMethod(key);
            assertThat(method.getAnnotation(Message.class).value()).as(code + " in English").isNotBlank();
            assertThat(ru.getProperty(key)).as(code + " in Russian").isNotBlank();
        }
    }

    @Test
    void everyAdvisedCodeIsInTheCatalogue() {
        assertThat(knownCodes()).allSatisfy(code -> assertThat(BitrixErrorCodes.isKnown(code)).as(code).isTrue());
    }

    @Test
    void anUnknownCodeGetsTheGeneralTextAndNoCodeNone() throws Exception {
        assertThat(ErrorExplanations.explain("SOMETHING_NEW", KEYS)).isEqualTo("explainOther");
        assertThat(ErrorExplanations.explain("bot_limit_exceeded", KEYS)).as("codes are case-sensitive as Bitrix24 sends them")
                .isEqualTo("explainOther");
        assertThat(ErrorExplanations.explain(null, KEYS)).isNull();
        assertThat(russian().getProperty("explainOther")).isNotBlank();
    }

    @Test
    void theTextsNameTheirCause() {
        assertThat(ErrorExplanations.explain("BOT_CODE_ALREADY_TAKEN", KEYS)).isEqualTo("explainTaken");
        assertThat(ErrorExplanations.explain("BOT_LIMIT_EXCEEDED", KEYS)).isEqualTo("explainLimit");
        assertThat(ErrorExplanations.explain("insufficient_scope", KEYS)).isEqualTo("explainPermission");
        assertThat(ErrorExplanations.explain("QUERY_LIMIT_EXCEEDED", KEYS)).isEqualTo("explainSlowDown");
        assertThat(ErrorExplanations.explain("HTTP_504", KEYS)).isEqualTo("explainUnavailable");
        assertThat(ErrorExplanations.explain("expired_token", KEYS)).isEqualTo("explainAccess");
        assertThat(ErrorExplanations.explain("OVERLOAD_LIMIT", KEYS)).isEqualTo("explainBlocked");
        assertThat(ErrorExplanations.explain("BOT_NOT_FOUND", KEYS)).isEqualTo("explainNotFound");
    }
}
