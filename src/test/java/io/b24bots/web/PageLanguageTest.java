package io.b24bots.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

import org.junit.jupiter.api.Test;

class PageLanguageTest {

    @Test
    void langRuIsRussianAndAnythingElseEnglish() {
        assertThat(PageLanguage.of("ru")).isEqualTo("ru");
        assertThat(PageLanguage.of("RU")).isEqualTo("ru");
        assertThat(PageLanguage.of("ru-RU")).isEqualTo("ru");
        for (String lang : new String[] {null, "", "en", "de", "ua", "rus", "r", "<script>"}) {
            assertThat(PageLanguage.of(lang)).as(String.valueOf(lang)).isEqualTo("en");
        }
    }

    @Test
    void withoutLangTheFirstKnownBrowserLanguageDecides() {
        assertThat(PageLanguage.of(null, "ru-RU,ru;q=0.9,en-US;q=0.8")).isEqualTo("ru");
        assertThat(PageLanguage.of(null, "de-DE,de;q=0.9,ru;q=0.7,en;q=0.5")).isEqualTo("ru");
        assertThat(PageLanguage.of(null, "en;q=0.4,ru;q=0.8")).as("by weight, not by order").isEqualTo("ru");
        assertThat(PageLanguage.of(null, "de, fr")).isEqualTo("en");
        assertThat(PageLanguage.of(null, "ru;q=0")).as("q=0 means not acceptable").isEqualTo("en");
        assertThat(PageLanguage.of(null, "*")).isEqualTo("en");
        assertThat(PageLanguage.of(null, null)).isEqualTo("en");
    }

    @Test
    void aGivenLangWinsOverTheBrowser() {
        assertThat(PageLanguage.of("en", "ru")).isEqualTo("en");
        assertThat(PageLanguage.of("de", "ru")).isEqualTo("en");
        assertThat(PageLanguage.of("ru", "en")).isEqualTo("ru");
    }

    @Test
    void aBrokenOrHugeHeaderIsEnglish() {
        assertThat(PageLanguage.of(null, ";;;q=abc,,")).isEqualTo("en");
        assertThat(PageLanguage.of(null, "ru-" + "x".repeat(1000))).isEqualTo("en");
    }

    @Test
    void localeMatchesTheLanguage() {
        assertThat(PageLanguage.locale("ru")).isEqualTo(Locale.forLanguageTag("ru"));
        assertThat(PageLanguage.locale("xx")).isEqualTo(Locale.ENGLISH);
    }
}
