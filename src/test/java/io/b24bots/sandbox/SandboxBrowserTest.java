package io.b24bots.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.HeadlessChromium;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sandbox portal in a real browser, as a new user tries it: install the app, see its bots in
 * the framed admin page, chat with a bot, press a keyboard button, expire the portal's tokens and
 * still get answers, then uninstall. Needs Debian's chromium and chromium-driver; skipped where they are missing.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SandboxBrowserTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    WebDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws IOException {
        browser = HeadlessChromium.start(1500, 1000);
        // The page redraws itself every second; an element found just before a redraw is looked up again.
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aNewUserInstallsTheAppChatsWithABotAndSurvivesExpiredTokens() throws Exception {
        browser.get("http://localhost:" + RestAssured.port + "/dev/portal");
        // The page creates a first portal by itself.
        // The list is drawn again on every refresh, so read it in one go, again if it was redrawn meanwhile.
        String memberId = wait.ignoring(StaleElementReferenceException.class).until(driver -> {
            var selected = driver.findElements(By.cssSelector("#portals li.selected"));
            return selected.isEmpty() ? null : selected.getFirst().getAttribute("data-member-id");
        });
        Portal portal = bitrix.portal(memberId);
        assertThat(portal).isNotNull();

        browser.findElement(By.id("install")).click();

        // The install page, then the admin page, in the frame; it lists the bots once registered.
        wait.until(ExpectedConditions.frameToBeAvailableAndSwitchToIt("app"));
        wait.until(d -> d.findElements(By.cssSelector("tr[data-code='b24bots_echo'][data-status='registered']")).size() == 1
                && d.findElements(By.cssSelector("tr[data-code='b24bots_helper'][data-status='registered']")).size() == 1);
        browser.switchTo().defaultContent();

        // v1 echo bot: the message goes to /b24/events as ONIMBOTMESSAGEADD, the reply through imbot.message.add.
        selectBot("b24bots_echo");
        write("Hello sandbox");
        awaitBotLine("You wrote: Hello sandbox");

        // v2 helper bot in fetch mode: the event waits in imbot.v2.Event.get until the service polls it.
        selectBot("b24bots_helper");
        write("help");
        awaitBotLine("I am Helper. Write anything and I will repeat it.");

        // A bot's keyboard is drawn under its message; a SEND button writes its text to the bot.
        long echo = botId(portal, "b24bots_echo");
        sendKeyboard(portal, echo, "Pick one", "[{\"TEXT\":\"Say ping\",\"ACTION\":\"SEND\",\"ACTION_VALUE\":\"ping\"},"
                + "{\"TYPE\":\"NEWLINE\"},{\"TEXT\":\"Docs\",\"LINK\":\"https://example.com/\"}]");
        selectBot("b24bots_echo");
        By button = By.xpath("//div[@class='line' and starts-with(., 'Pick one')]//button[text()='Say ping']");
        wait.until(ExpectedConditions.elementToBeClickable(button));
        screenshot("sandbox.png");
        click(button);
        awaitBotLine("You wrote: ping");

        // A declared command typed as text reaches the bot as a command; its answer's command button too.
        write("/menu");
        By more = By.xpath("//div[@class='line' and contains(., 'of Echo')]//button[text()='More']");
        wait.until(ExpectedConditions.elementToBeClickable(more));
        // BB-code and attachments are drawn as Bitrix24 draws them, not shown raw.
        WebElement menu = browser.findElement(By.xpath("//div[@class='line' and contains(., 'of Echo')]"));
        assertThat(menu.findElement(By.tagName("b")).getText()).isEqualTo("Menu");
        assertThat(menu.getText()).doesNotContain("[b]");
        assertThat(menu.findElement(By.cssSelector(".attach")).getText()).contains("Pick one", "Docs");
        click(more);
        awaitBotLine("More for Echo");

        // Every access token expires: the service refreshes and still answers.
        browser.findElement(By.cssSelector("button[data-trouble='expire-tokens']")).click();
        wait.until(d -> d.findElement(By.id("activity")).getText().contains("access token of the portal expired"));
        write("after expiry");
        awaitBotLine("You wrote: after expiry");
        assertThat(bitrix.refreshes(portal)).isNotEmpty();
        screenshot("sandbox-after-expiry.png");

        // Uninstall: Bitrix24 deletes the bots and tells the service, and the admin page says so.
        click(By.cssSelector("button[data-trouble='uninstall']"));
        wait.until(d -> d.findElements(By.cssSelector("#bots button")).isEmpty());
        wait.until(ExpectedConditions.frameToBeAvailableAndSwitchToIt("app"));
        wait.until(d -> d.findElements(By.cssSelector(".alert-warning")).stream()
                .anyMatch(e -> e.getText().contains("not installed on this portal")));
        browser.switchTo().defaultContent();

        // A live reload starts the sandbox afresh: the page says its portal is gone instead of failing.
        RestAssured.given().delete("/dev/portal/api/portals/" + memberId).then().statusCode(200);
        wait.until(d -> d.findElement(By.id("restarted")).isDisplayed());
    }

    private void selectBot(String code) {
        click(By.cssSelector("#bots button[data-code='" + code + "']"));
        wait.until(d -> d.findElement(By.cssSelector("#bots button[data-code='" + code + "']")).getAttribute("class")
                .contains("selected"));
    }

    private void click(By element) {
        wait.until(d -> {
            d.findElement(element).click();
            return true;
        });
    }

    private void write(String text) {
        WebElement input = browser.findElement(By.id("message"));
        input.sendKeys(text);
        browser.findElement(By.id("send")).click();
    }

    private void awaitBotLine(String text) {
        wait.until(d -> d.findElements(By.cssSelector("#chat .line[data-from='bot']")).stream()
                .anyMatch(e -> e.getText().startsWith(text)));
    }

    private long botId(Portal portal, String code) {
        return bitrix.imbot().liveBots(portal, code).getFirst().id;
    }

    /** A bot message with a keyboard, sent to the admin's chat through the portal's REST API. */
    private void sendKeyboard(Portal portal, long botId, String text, String keyboard) throws Exception {
        String body = """
                {"BOT_ID": %d, "DIALOG_ID": "1", "MESSAGE": "%s", "KEYBOARD": %s, "auth": "%s"}"""
                .formatted(botId, text, keyboard, bitrix.issueTokens(portal, 1).accessToken());
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create(bitrix.clientEndpoint(portal) + "imbot.message.add"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(bitrix.imbot().posted(portal)).anySatisfy(m -> assertThat(m.buttons()).extracting(b -> b.get("TEXT"))
                .containsExactly("Say ping", null, "Docs"));
    }

    private void screenshot(String name) throws IOException {
        HeadlessChromium.screenshot(browser, name);
    }
}
