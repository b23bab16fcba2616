package io.b24bots.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.b24bots.install.InstallMessages;
import io.b24bots.web.ErrorMessages;
import io.quarkus.qute.i18n.Message;

/**
 * Every page text exists in Russian too: Qute refuses a Russian key English lacks, but silently
 * shows English for a Russian key that is missing.
 */
class TranslationsTest {

    static final Map<Class<?>, String> BUNDLES = Map.of(
            AdminMessages.class, "/messages/msg_ru.properties",
            ErrorMessages.class, "/messages/errors_ru.properties",
            InstallMessages.class, "/messages/install_ru.properties");
    static final Pattern PARAMETER = Pattern.compile("\\{(\\w+)\\}");

    @Test
    void everyEnglishTextHasARussianOneWithTheSameParameters() throws IOException {
        for (Map.Entry<Class<?>, String> bundle : BUNDLES.entrySet()) {
            Properties ru = load(bundle.getValue());
            Set<String> english = new TreeSet<>();
            for (Method method : bundle.getKey().getDeclaredMethods()) {
                Message message = method.getAnnotation(Message.class);
                if (message == null) {
                    continue;
                }
                english.add(method.getName());
                String russian = ru.getProperty(method.getName());
                assertThat(russian).as(bundle.getValue() + ": " + method.getName()).isNotBlank();
                assertThat(parameters(russian)).as(bundle.getValue() + ": parameters of " + method.getName())
                        .isEqualTo(parameters(message.value()));
            }
            assertThat(ru.stringPropertyNames()).as(bundle.getValue() + " has no keys English lacks")
                    .isSubsetOf(english);
        }
    }

    private static Set<String> parameters(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PARAMETER.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static Properties load(String resource) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = TranslationsTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        }
        return properties;
    }
}
