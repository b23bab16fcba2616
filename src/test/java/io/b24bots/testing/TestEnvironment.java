package io.b24bots.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import io.b24bots.sandbox.Sandbox;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Starts, once for the whole suite, the Bitrix24 emulator and (unless a database URL is given
 * through QUARKUS_DATASOURCE_JDBC_URL) an embedded PostgreSQL, and points the service at both.
 * Flyway cleans the test database at start: never point the tests at a database you keep.
 */
public class TestEnvironment implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_ID = "app.test.b24bots";
    public static final String CLIENT_SECRET = "test-client-secret-0b1d";

    private static Bitrix24Emulator emulator;
    private static EmbeddedPostgres postgres;

    public static Bitrix24Emulator emulator() {
        return emulator;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        try {
            emulator = new Bitrix24Emulator(CLIENT_ID, CLIENT_SECRET);
            Sandbox.useEmulator(emulator);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config.put("b24.client-id", CLIENT_ID);
        config.put("b24.client-secret", CLIENT_SECRET);
        config.put("b24.oauth.url", emulator.oauthUrl());
        config.put("b24.oauth.extra-urls", emulator.secondOauthUrl());
        String givenUrl = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        if (givenUrl == null || givenUrl.isBlank()) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
            }
            config.put("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
            config.put("quarkus.datasource.username", "postgres");
            config.put("quarkus.datasource.password", "postgres");
        }
        return config;
    }

    @Override
    public void stop() {
        if (emulator != null) {
            emulator.close();
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
