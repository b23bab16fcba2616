package io.b24bots.admin;

import static io.b24bots.testing.BitrixRequests.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.sun.net.httpserver.HttpServer;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.HeadlessChromium;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin page in a real browser, framed as Bitrix24 frames it: a page on another origin POSTs
 * the frame fields into an iframe. Needs Debian's chromium and chromium-driver (.ci/run installs
 * them); skipped where they are missing.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class AdminPageBrowserTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    EntityManager em;

    HttpServer host;
    WebDriver browser;

    @BeforeEach
    void start() throws IOException {
        browser = HeadlessChromium.start(1400, 1000);
        host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        host.start();
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (host != null) {
            host.stop(0);
        }
    }

    @Test
    void anAdminRetriesAFailedBotInsideTheFrame() throws IOException {
        String hostOrigin = "127.0.0.1:" + host.getAddress().getPort();
        Portal portal = bitrix.createPortal(hostOrigin);
        frame(portal, bitrix.issueTokens(portal, 1), bitrix.oauthUrl() + "/rest/", "app-token").queryParam("PROTOCOL", "0")
                .post("/b24/install").then().statusCode(200);
        TestPortals.awaitJobsSettled(portal);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update bot set status = 'failed', last_error_code = 'INTERNAL_SERVER_ERROR', attempts = 3 "
                        + "where member_id = :m and code = 'b24bots_helper'").setParameter("m", portal.memberId).executeUpdate());
        serveHostPage(portal, bitrix.issueTokens(portal, 1));

        browser.get("http://" + hostOrigin + "/portal");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(ExpectedConditions.frameToBeAvailableAndSwitchToIt("app"));
        WebElement failed = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("tr[data-code='b24bots_helper'][data-status='failed']")));
        assertThat(failed.getText()).contains("INTERNAL_SERVER_ERROR");
        // One row per declared bot: this suite's four, and any bot declared besides them.
        long rows = Database.count("select count(*) from bot where member_id = ?", portal.memberId);
        assertThat(rows).isGreaterThanOrEqualTo(4);
        assertThat(browser.findElements(By.cssSelector("table.bots tbody tr"))).hasSize((int) rows);
        screenshot("admin-page.png");

        failed.findElement(By.cssSelector("button[data-action='retry']")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("tr[data-code='b24bots_helper'][data-status='registered']")));
        assertThat(browser.findElement(By.cssSelector("[data-counter='failed']")).getText()).isEqualTo("0");
        assertThat(browser.findElement(By.cssSelector("[data-counter='registered']")).getText()).isEqualTo(String.valueOf(rows));
        screenshot("admin-page-after-retry.png");

        browser.switchTo().defaultContent();
        browser.manage().window().setSize(new Dimension(420, 900));
        browser.switchTo().frame("app");
        assertThat(browser.findElement(By.cssSelector("tr[data-code='b24bots_helper']")).isDisplayed()).isTrue();
        screenshot("admin-page-narrow.png");
    }

    /** The portal's side: a page that POSTs the frame fields into an iframe, as Bitrix24 does. */
    private void serveHostPage(Portal portal, Tokens tokens) {
        String app = "http://localhost:" + RestAssured.port + "/b24/app?DOMAIN=" + portal.domain
                + "&PROTOCOL=0&LANG=en&APP_SID=browser";
        String page = """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>Portal</title>
                <style>body{margin:0;background:#eef2f4} iframe{border:0;width:100%%;height:900px}</style></head>
                <body><form id="frame" method="post" target="app" action="%s">
                <input type="hidden" name="AUTH_ID" value="%s"><input type="hidden" name="AUTH_EXPIRES" value="3600">
                <input type="hidden" name="REFRESH_ID" value="%s"><input type="hidden" name="member_id" value="%s">
                <input type="hidden" name="SERVER_ENDPOINT" value="%s"><input type="hidden" name="status" value="L">
                <input type="hidden" name="PLACEMENT" value="DEFAULT"><input type="hidden" name="PLACEMENT_OPTIONS" value="{}">
                </form><iframe name="app" title="b24bots"></iframe>
                <script>document.getElementById('frame').submit();</script></body></html>
                """.formatted(app, tokens.accessToken(), tokens.refreshToken(), portal.memberId, bitrix.oauthUrl() + "/rest/");
        byte[] body = page.getBytes(StandardCharsets.UTF_8);
        host.createContext("/portal", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
    }

    private void screenshot(String name) throws IOException {
        HeadlessChromium.screenshot(browser, name);
    }
}
