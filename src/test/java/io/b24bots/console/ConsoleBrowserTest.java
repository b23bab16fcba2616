package io.b24bots.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.HeadlessChromium;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console as an operator uses it, in headless Chromium: signs in, finds the portal whose work
 * failed, retries it and reads the audit entry. Saves target/console-*.png (the ones in docs/ come from
 * here). Needs Debian's chromium and chromium-driver (.ci/run installs them); skipped where missing.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ConsoleBrowserTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    WebDriver browser;

    @BeforeEach
    void start() throws IOException {
        browser = HeadlessChromium.start(1400, 1100);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anOperatorFindsAFailingPortalRetriesItsWorkAndSeesTheAuditEntry() throws IOException {
        Portal portal = TestPortals.installed(bitrix);
        long job = ConsoleTest.failedJob(portal, "bind-app-events", "PORTAL_DENIED_BROWSER: the portal refused the binding");
        String console = "http://localhost:" + RestAssured.port + "/console";
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

        browser.get(console + "/portals");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("j_username"))).sendKeys("alice");
        browser.findElement(By.id("j_password")).sendKeys(ConsoleTest.PASSWORD);
        screenshot("console-login.png");
        browser.findElement(By.cssSelector(".login-form button[type='submit']")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".console-user")));
        browser.get(console);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-counter='failed-today']")));
        screenshot("console-overview.png");

        // The portal whose work failed, found by the error's code.
        browser.findElement(By.linkText("Portals")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("code"))).sendKeys("PORTAL_DENIED_BROWSER");
        browser.findElement(By.cssSelector("form.search button[type='submit']")).click();
        wait.until(ExpectedConditions.textToBe(By.id("count"), "1–1 of 1"));
        browser.findElement(By.cssSelector("tr[data-member='" + portal.memberId + "'] a")).click();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("page-title"), portal.domain));
        screenshot("console-portal.png");
        browser.findElement(By.xpath("//button[normalize-space()='Retry failed work']")).click();

        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("notice"))).getText())
                .isEqualTo("1 failed job(s) queued again.");
        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(Database.text("select status from job where id = ?", job)));

        browser.findElement(By.linkText("Audit log")).click();
        WebElement entry = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#audit tr[data-action='retry-failed-work']")));
        assertThat(entry.getText()).contains("alice").contains(portal.memberId).contains("1 failed job(s) queued again");
        screenshot("console-audit.png");
    }

    private void screenshot(String name) throws IOException {
        HeadlessChromium.screenshot(browser, name);
    }
}
