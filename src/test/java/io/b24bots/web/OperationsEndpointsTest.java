package io.b24bots.web;

import io.b24bots.bot.Bot;

import static io.b24bots.testing.BitrixRequests.event;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class OperationsEndpointsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Test
    void healthChecksAnswerAndReadinessIncludesTheDatabase() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("Database connections health check"));
    }

    @Test
    void prometheusMetricsCoverWhatOperatorsWatch() {
        var portal = TestPortals.installed(bitrix);
        event("ONAPPUNINSTALL", portal, "forged").post("/b24/events").then().statusCode(401);

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("b24_installs_total{via=\"iframe\"}"))
                .body(containsString("b24_bot_registrations_total{api=\"v2\",error=\"none\",outcome=\"registered\"}"))
                .body(containsString("b24_rest_calls_total{method=\"imbot.v2.Bot.register\",outcome=\"ok\"}"))
                .body(containsString("b24_jobs_completed_total{kind=\"register-bots\",outcome=\"done\"}"))
                .body(containsString("b24_events_refused_total{reason=\"mismatch\"}"))
                .body(containsString("b24_jobs_waiting"))
                .body(containsString("b24_jobs_oldest_waiting_seconds"))
                .body(containsString("b24_rate_limit_waits_seconds_count"));
    }
}
