package io.b24bots.support;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.BitrixRequests;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * With tracing on, one trace goes from a bot event's arrival through its job to the Bitrix24 call of the
 * reply, each span naming the portal; no span holds a token or a query string.
 */
@QuarkusTest
@TestProfile(TracingTest.Traced.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class TracingTest {

    /** Tracing on, as an OTLP endpoint would turn it on, the spans kept in memory instead of sent. */
    public static class Traced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "0.05s");
        }
    }

    /** The exporter the SDK sends every span to in tests (no OTLP exporter while one exists). */
    @Singleton
    static class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }
    }

    static final AttributeKey<String> MEMBER_ID = AttributeKey.stringKey("b24.member_id");

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aBotEventsTraceGoesFromItsArrivalThroughItsJobToTheReply() {
        Portal portal = TestPortals.installed(bitrix);
        long echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
        String botToken = TestPortals.userToken(bitrix, portal, echo);
        String authorToken = TestPortals.userToken(bitrix, portal, 42);
        spans.reset();

        BitrixRequests.v1NewMessage(BitrixRequests.v1BotEvent("ONIMBOTMESSAGEADD", portal, TestPortals.applicationToken(portal),
                echo, botToken), "42", 9001, "trace me", 42, authorToken).post("/b24/events").then().statusCode(200);

        await().atMost(Duration.ofSeconds(15)).until(() -> reply(portal) != null);
        SpanData reply = reply(portal);
        String trace = reply.getTraceId();
        List<SpanData> inTrace = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace)).toList();
        SpanData arrival = inTrace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData job = inTrace.stream().filter(s -> s.getName().equals("job bot-event")).findFirst().orElseThrow();
        assertThat(arrival.getName()).contains("/b24/events");
        assertThat(arrival.getAttributes().get(MEMBER_ID)).isEqualTo(portal.memberId);
        assertThat(job.getParentSpanId()).as("the job continues the request's trace").isEqualTo(arrival.getSpanId());
        assertThat(job.getAttributes().get(MEMBER_ID)).isEqualTo(portal.memberId);
        assertThat(reply.getParentSpanId()).as("the reply is sent by the job").isEqualTo(job.getSpanId());
        assertThat(reply.getAttributes().get(MEMBER_ID)).isEqualTo(portal.memberId);

        List<String> secrets = List.of(botToken, authorToken, TestPortals.applicationToken(portal), bitrix.latestTokens(portal).accessToken(),
                bitrix.latestTokens(portal).refreshToken());
        for (SpanData span : spans.getFinishedSpanItems()) {
            span.getAttributes().forEach((key, value) -> assertThat(String.valueOf(value)).as(span.getName() + " " + key)
                    .doesNotContain(secrets));
        }
    }

    @Test
    void noQueryStringReachesASpan() {
        spans.reset();
        given().queryParam("code", "secret-authorization-code").queryParam("state", "forged").get("/b24/oauth/callback")
                .then().statusCode(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("/b24/oauth/callback")));
        for (SpanData span : spans.getFinishedSpanItems()) {
            span.getAttributes().forEach((key, value) -> assertThat(String.valueOf(value)).as(span.getName() + " " + key)
                    .doesNotContain("secret-authorization-code"));
        }
    }

    private SpanData reply(Portal portal) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("bitrix24 imbot.message.add") && portal.memberId.equals(s.getAttributes().get(MEMBER_ID)))
                .findFirst().orElse(null);
    }
}
