package io.b24bots.devdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** The embedded PostgreSQL of {@code ./mvnw quarkus:dev}; started once per JVM, survives live reloads. */
final class DevDatabase {

    private static final String STARTED = "b24bots.dev-database.url";
    private static final int PORT = Integer.getInteger("b24bots.dev-database.port", 54329);

    private DevDatabase() {
    }

    static synchronized Map<String, String> start() {
        String url = System.getProperty(STARTED);
        if (url == null) {
            Path dataDir = Path.of(System.getProperty("b24bots.dev-database.dir", ".data/pg")).toAbsolutePath();
            try {
                Files.createDirectories(dataDir);
                // Zonky stops the server in its own shutdown hook when dev mode exits.
                EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(false)
                        .setPort(PORT)
                        .start();
                url = postgres.getJdbcUrl("postgres", "postgres");
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDir
                        + " (is port " + PORT + " free?)", e);
            }
            System.setProperty(STARTED, url);
        }
        return Map.of(
                "quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }
}
