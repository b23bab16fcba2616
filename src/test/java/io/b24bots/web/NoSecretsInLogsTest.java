package io.b24bots.web;

import static io.b24bots.testing.BitrixRequests.appInstallEvent;
import static io.b24bots.testing.BitrixRequests.appUpdateEvent;
import static io.b24bots.testing.BitrixRequests.frameInstall;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Installs, refreshes, events and refusals write log lines; none of them may hold a secret. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class NoSecretsInLogsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Test
    void noTokenKeyOrSecretIsEverLogged() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                Object[] params = record.getParameters();
                StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
                if (params != null) {
                    for (Object param : params) {
                        line.append(' ').append(param);
                    }
                }
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    line.append(' ').append(t);
                }
                synchronized (lines) {
                    lines.add(line.toString());
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
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>(List.of(TestEnvironment.CLIENT_SECRET, "app-secret-token"));
        try {
            Portal portal = bitrix.createPortal();
            Tokens first = bitrix.issueTokens(portal, 1);
            Tokens employee = bitrix.issueTokens(portal, 2);
            secrets.addAll(List.of(first.accessToken(), first.refreshToken(), employee.accessToken(), employee.refreshToken()));
            frameInstall(portal, first, "app-secret-token").then().statusCode(200);
            frameInstall(portal, employee, "app-secret-token").then().statusCode(403);
            frameInstall(portal, new Tokens("forged-secret-token", "x", 1, portal.memberId), "x").then().statusCode(401);
            appInstallEvent(portal, employee, "app-secret-token").post("/b24/events").then().statusCode(403);
            appUpdateEvent(portal, "wrong-secret-token", 2).post("/b24/events").then().statusCode(403);
            TestPortals.awaitJobsSettled(portal);
            bitrix.expireAccessTokens(portal);
            client.call(portal.memberId, "profile", Map.of());
            Tokens refreshed = bitrix.latestTokens(portal);
            secrets.addAll(List.of(refreshed.accessToken(), refreshed.refreshToken(), "forged-secret-token", "wrong-secret-token"));
            bitrix.revokeRefreshTokens(portal);
            bitrix.expireAccessTokens(portal);
            try {
                client.call(portal.memberId, "profile", Map.of());
            } catch (RuntimeException expected) {
                // invalid_grant: logged, portal marked.
            }
        } finally {
            root.removeHandler(capture);
        }
        assertThat(lines).as("something was logged").isNotEmpty();
        for (String secret : secrets) {
            assertThat(lines).as("log lines").noneMatch(line -> line.contains(secret));
        }
    }
}
