package io.b24bots.support;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.Test;

/**
 * A request value cannot write a log line of its own: a member_id that is not one is refused before it
 * is logged or put in the log context, and whatever request text does reach a line has its line breaks
 * escaped by the console handler the service configures.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LogInjectionTest {

    static final String FORGED = "0123456789abcdef0123456789abcdef\n2026-12-07 01:00:00,000 INFO  [io.b24.ins.InstallService] "
            + "Portal 0123456789abcdef0123456789abcdef uninstalled the app";

    @Test
    void aMemberIdThatIsNotOneIsRefusedAtEveryEdge() {
        given().contentType("application/x-www-form-urlencoded").formParam("event", "ONAPPUNINSTALL")
                .formParam("auth[member_id]", FORGED).formParam("auth[application_token]", "x")
                .post("/b24/events").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").formParam("member_id", FORGED).formParam("AUTH_ID", "x")
                .formParam("REFRESH_ID", "y").post("/b24/install").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").formParam("member_id", FORGED).formParam("AUTH_ID", "x")
                .post("/b24/app").then().statusCode(400);
        given().queryParam("code", "c").queryParam("state", "s").queryParam("member_id", FORGED)
                .get("/b24/oauth/callback").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").formParam("event", "ONAPPUNINSTALL")
                .formParam("auth[member_id]", "portal-7").formParam("auth[application_token]", "x")
                .post("/b24/events").then().statusCode(400);
    }

    @Test
    void theConsoleHandlerKeepsEveryRequestValueOnItsLine() {
        Handler console = handlers(Logger.getLogger("").getHandlers())
                .filter(h -> h instanceof ConsoleHandler).findFirst().orElseThrow();
        ExtLogRecord record = new ExtLogRecord(Level.WARNING, "Token refused for claimed portal %s (domain %s)",
                ExtLogRecord.FormatStyle.PRINTF, LogInjectionTest.class.getName());
        record.setParameters(new Object[] {FORGED, "evil.example\r\nALERT\u0007"});
        record.putMdc(PortalLogContext.MEMBER_ID, "x\ny");

        // The handler's own filters, as configured (quarkus.log.console.filter among them), run first.
        assertThat(console.getFilter().isLoggable(record)).isTrue();
        String line = console.getFormatter().format(record);

        assertThat(line.strip()).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u0007")
                .contains("\\n2026-12-07 01:00:00,000 INFO", "evil.example\\r\\nALERT\\u0007", "x\\ny");
    }

    /** The handlers, and the ones Quarkus wraps inside its own (a delayed or async handler). */
    private static Stream<Handler> handlers(Handler[] handlers) {
        return Arrays.stream(handlers).flatMap(h -> Stream.concat(Stream.of(h),
                h instanceof ExtHandler ext ? handlers(ext.getHandlers()) : Stream.empty()));
    }

    @Test
    void theLogContextTakesOnlyAMemberIdsShape() {
        try (PortalLogContext log = PortalLogContext.of(FORGED)) {
            assertThat(MDC.get(PortalLogContext.MEMBER_ID)).isNull();
        }
        try (PortalLogContext log = PortalLogContext.of("0123456789abcdef0123456789abcdef")) {
            assertThat(MDC.get(PortalLogContext.MEMBER_ID)).isEqualTo("0123456789abcdef0123456789abcdef");
        }
    }
}
