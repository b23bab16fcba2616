package io.b24bots.install;

import static io.b24bots.testing.BitrixRequests.frame;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The install, OAuth result and error pages speak the portal's language: Russian for LANG=ru, English otherwise. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LocalizedPagesTest {

    static final String FORM = "application/x-www-form-urlencoded";

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    /** Keeps a page as target/page-NAME.html, like the browser test's screenshots, to look at after a change. */
    static String keep(String name, String page) {
        try {
            Files.writeString(Path.of("target", "page-" + name + ".html"), page);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return page;
    }

    private String install(String lang) {
        Portal portal = bitrix.createPortal();
        return frame(portal, bitrix.issueTokens(portal, 1), bitrix.oauthUrl() + "/rest/", "apptoken-" + portal.memberId, lang)
                .post("/b24/install")
                .then().statusCode(200).extract().asString();
    }

    @Test
    void theInstallPageIsRussianForARussianPortal() {
        assertThat(keep("installed-ru", install("ru"))).contains("<html lang=\"ru\">", "<title>b24bots установлен</title>",
                "b24bots установлен на портале", "Завершаем установку", "BX24.installFinish()")
                .doesNotContain("is installed on", "Finishing");
    }

    @Test
    void theInstallPageIsEnglishForAnyOtherLanguage() {
        for (String lang : new String[] {"en", "de", "ua"}) {
            assertThat(keep("installed-" + lang, install(lang))).as(lang).contains("<html lang=\"en\">", "is installed on", "Finishing the installation")
                    .doesNotContain("установлен");
        }
    }

    @Test
    void anErrorPageIsRussianForLangRuAndKeepsTheSpecificReasonBelow() {
        String page = keep("error-ru", given().contentType(FORM).queryParam("DOMAIN", "x.bitrix24.test")
                .queryParam("LANG", "ru").body("AUTH_ID=abc").post("/b24/install")
                .then().statusCode(400).extract().asString());

        assertThat(page).contains("<html lang=\"ru\">", "<h1>Запрос неполный или искажён</h1>",
                "Откройте приложение снова из вашего портала Битрикс24",
                "<p class=\"note\" lang=\"en\">The request is missing the field member_id.</p>", "HTTP 400");
    }

    @Test
    void anErrorPageIsEnglishWithoutLangOrForAnotherLanguage() {
        for (String lang : new String[] {null, "en", "de"}) {
            var request = given().contentType(FORM).body("AUTH_ID=abc");
            if (lang != null) {
                request.queryParam("LANG", lang);
            }
            String page = keep("error-en", request.post("/b24/install").then().statusCode(400).extract().asString());
            assertThat(page).as(String.valueOf(lang)).contains("<html lang=\"en\">",
                    "<h1>The request is incomplete or malformed</h1>", "<p>The request is missing the field member_id.</p>")
                    .doesNotContain("Запрос");
        }
    }

    @Test
    void withoutLangTheBrowsersLanguageDecidesButLangWins() {
        assertThat(given().contentType(FORM).header("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8").body("AUTH_ID=abc")
                .post("/b24/install").then().statusCode(400).extract().asString())
                .contains("<html lang=\"ru\">", "Запрос неполный или искажён");
        assertThat(given().contentType(FORM).header("Accept-Language", "ru").queryParam("LANG", "de").body("AUTH_ID=abc")
                .post("/b24/install").then().statusCode(400).extract().asString())
                .contains("<html lang=\"en\">");
    }

    @Test
    void aFrameworkErrorOnAPageIsTranslatedWhole() {
        String page = given().queryParam("LANG", "ru").get("/b24/no-such-page")
                .then().statusCode(404).extract().asString();

        assertThat(page).contains("<h1>Не найдено</h1>", "<p>Такой страницы нет.</p>").doesNotContain("lang=\"en\"");
    }

    @Test
    void theTooLargePageIsRussianForLangRuAndJsonStaysEnglish() {
        String big = "member_id=abc&x=" + "a".repeat(600 * 1024);
        assertThat(keep("too-large-ru", given().contentType(FORM).queryParam("LANG", "ru").body(big).post("/b24/install")
                .then().statusCode(413).extract().asString()))
                .contains("<html lang=\"ru\">", "<h1>Слишком большой запрос</h1>", "Тело запроса слишком большое.",
                        "over 512 KB");
        assertThat(given().contentType(FORM).body(big).post("/b24/install")
                .then().statusCode(413).extract().asString())
                .contains("<html lang=\"en\">", "<h1>Request too large</h1>", "<p>The request body is over 512 KB.</p>");
    }

    @Test
    void theOAuthResultPageFollowsTheBrowsersLanguage() {
        assertThat(keep("authorized-ru", authorize("ru-RU,ru;q=0.9"))).contains("<html lang=\"ru\">", "b24bots авторизован для портала",
                "Откройте приложение один раз");
        assertThat(authorize("de-DE,de;q=0.9,en;q=0.5")).contains("<html lang=\"en\">", "authorised for", "Open the app once");
    }

    private String authorize(String acceptLanguage) {
        Portal portal = bitrix.createPortal();
        String location = given().redirects().follow(false).queryParam("domain", portal.domain).get("/b24/oauth/start")
                .then().statusCode(302).extract().header("Location");
        String state = null;
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            if (pair.startsWith("state=")) {
                state = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
            }
        }
        return given().header("Accept-Language", acceptLanguage)
                .queryParam("code", bitrix.issueCode(portal, 1))
                .queryParam("state", state)
                .queryParam("domain", portal.domain)
                .queryParam("member_id", portal.memberId)
                .queryParam("server_domain", URI.create(bitrix.oauthUrl()).getAuthority())
                .get("/b24/oauth/callback")
                .then().statusCode(200).extract().asString();
    }
}
