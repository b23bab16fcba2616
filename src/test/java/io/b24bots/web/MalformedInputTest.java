package io.b24bots.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Broken requests get a 4xx that says what is wrong: never a 500, never a stack trace. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class MalformedInputTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    @Test
    void emptyEventBody() {
        given().contentType(FORM).body("").post("/b24/events")
                .then().statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", containsString("empty"));
    }

    @Test
    void eventWithoutEventNameOrMemberId() {
        given().contentType(FORM).body("auth[member_id]=abc").post("/b24/events")
                .then().statusCode(400).body("error_description", containsString("'event'"));
        given().contentType(FORM).body("event=ONAPPUPDATE&auth[application_token]=x").post("/b24/events")
                .then().statusCode(400).body("error_description", containsString("auth[member_id]"));
    }

    @Test
    void brokenNesting() {
        for (String body : new String[] {"event=X&auth[member_id=abc", "event=X&auth]member_id[=abc",
                "event=X&auth[a]b=1", "event=X&auth=1&auth[member_id]=abc", "event=X&[x]=1"}) {
            given().contentType(FORM).body(body).post("/b24/events")
                    .then().statusCode(400).body("error", equalTo("invalid_request"))
                    .body("error_description", not(containsString("Exception")));
        }
    }

    @Test
    void badPercentEscapes() {
        given().contentType(FORM).body("event=ONAPPUPDATE%zz").post("/b24/events")
                .then().statusCode(400).body("error_description", containsString("percent-escape"));
        given().contentType(FORM).body("event=ONAPPUPDATE%2").post("/b24/events")
                .then().statusCode(400).body("error_description", containsString("percent-escape"));
    }

    @Test
    void nonUtf8Body() throws Exception {
        byte[] latin1 = "event=ONAPPUPDATE&auth[member_id]=caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> response = rawPost("/b24/events", latin1);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("UTF-8");
        given().contentType(FORM).body("event=ONAPPUPDATE&auth[member_id]=caf%E9").post("/b24/events")
                .then().statusCode(400).body("error_description", containsString("UTF-8"));
    }

    private static HttpResponse<String> rawPost(String path, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void bodyOver512KilobytesIsRefusedWith413() {
        String big = "event=ONAPPUPDATE&data[x]=" + "a".repeat(600 * 1024);
        given().contentType(FORM).body(big).post("/b24/events").then().statusCode(413)
                .body("error", equalTo("payload_too_large")).body("error_description", containsString("512 KB"));
        given().contentType(FORM).body(big).post("/b24/install").then().statusCode(413)
                .body(containsString("over 512 KB"));
        // Just under the limit is read and judged on its content.
        given().contentType(FORM).body("event=ONAPPUPDATE&data[x]=" + "a".repeat(500 * 1024)).post("/b24/events")
                .then().statusCode(400);
    }

    @Test
    void aBodySentWithoutALengthIsCutAtTheSameLimit() throws Exception {
        byte[] big = ("event=ONAPPUPDATE&data[x]=" + "a".repeat(600 * 1024)).getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> refused = chunkedPost("/b24/events", big);
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.body()).contains("payload_too_large", "512 KB");

        HttpResponse<String> read = chunkedPost("/b24/events", "event=ONAPPUPDATE".getBytes(StandardCharsets.US_ASCII));
        assertThat(read.statusCode()).isEqualTo(400);
        assertThat(read.body()).contains("auth[member_id]");
    }

    private static HttpResponse<String> chunkedPost(String path, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .version(HttpClient.Version.HTTP_1_1)
                .header("Content-Type", FORM)
                // No length known in advance: sent chunked.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void wrongContentType() {
        given().contentType("application/json").body("{\"event\":\"ONAPPUPDATE\"}").post("/b24/events")
                .then().statusCode(415).body("error", equalTo("unsupported_media_type"));
    }

    /**
     * An error page may be framed by the portal its DOMAIN names only when that portal installed the app
     * here; any other claimed domain is not put into the header (an attacker's page could frame it).
     */
    @Test
    void anErrorPageIsFramedOnlyByAPortalThatInstalledTheApp() {
        Bitrix24Emulator.Portal installed = TestPortals.installed(TestEnvironment.emulator());
        given().contentType(FORM).queryParam("DOMAIN", installed.domain).body("AUTH_ID=abc").post("/b24/install")
                .then().statusCode(400).header("Content-Security-Policy", "frame-ancestors 'self' https://" + installed.domain);
        given().contentType(FORM).queryParam("DOMAIN", "attacker.example").body("AUTH_ID=abc").post("/b24/install")
                .then().statusCode(400).header("Content-Security-Policy", "frame-ancestors 'self'");
        given().contentType(FORM).queryParam("DOMAIN", "attacker.example").body("AUTH_ID=abc").post("/b24/app")
                .then().statusCode(401).header("Content-Security-Policy", "frame-ancestors 'self'");
    }

    @Test
    void installWithMissingFieldsAnswersAReadablePage() {
        given().contentType(FORM).queryParam("DOMAIN", "x.bitrix24.test").body("AUTH_ID=abc")
                .post("/b24/install")
                .then().statusCode(400)
                .contentType(containsString("text/html"))
                .body(containsString("member_id"));
        given().contentType(FORM).body("member_id=0123456789abcdef0123456789abcdef&AUTH_ID=x").post("/b24/install")
                .then().statusCode(400).body(containsString("REFRESH_ID"));
        given().contentType(FORM).body("").post("/b24/install").then().statusCode(400);
        given().contentType(FORM).body("member_id=../../etc&AUTH_ID=x&REFRESH_ID=y").post("/b24/install")
                .then().statusCode(400).body(containsString("member id"));
    }

    @Test
    void headerInjectionThroughDomainIsNotReflected() {
        given().contentType(FORM).queryParam("DOMAIN", "x.test; script-src *").body("AUTH_ID=abc")
                .post("/b24/install")
                .then().statusCode(400)
                .header("Content-Security-Policy", "frame-ancestors 'self'");
    }

    @Test
    void unknownPathsAndMethodsAreJson() {
        given().get("/nope").then().statusCode(404).body("error", equalTo("not_found"));
        given().get("/b24/events").then().statusCode(405);
    }

    @Test
    void aClientHangingUpMidBodyIsNoError() throws Exception {
        List<LogRecord> problems = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    problems.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        double before = Metrics.sum("b24_http_client_hangups_total", "");
        root.addHandler(capture);
        try {
            for (String path : new String[] {"/b24/events", "/b24/install", "/b24/app"}) {
                try (Socket socket = new Socket("localhost", RestAssured.port)) {
                    socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n"
                            + "event=ONIMBOTMESSAGEADD&data[PARAMS][MESSAGE]=half").getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                }
            }
            // The failed reads reached the error handling (on a busy machine Vert.x may drop a reset
            // connection before any request starts, so not all three need to).
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> Metrics.sum("b24_http_client_hangups_total", "") > before);
        } finally {
            root.removeHandler(capture);
        }
        assertThat(problems).extracting(LogRecord::getMessage).isEmpty();
        given().contentType(FORM).body("event=ONAPPUPDATE").post("/b24/events").then().statusCode(400);
    }
}
