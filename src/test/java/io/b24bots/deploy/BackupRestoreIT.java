package io.b24bots.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.PackagedService;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;

/**
 * The restore runbook (docs/RUNBOOKS.md "Restoring PostgreSQL from a backup"), done for real with
 * PostgreSQL's own tools: the packaged service serves a portal, the database is dumped with
 * {@code pg_dump -Fc}, dropped, created again and restored with {@code pg_restore}, and the service,
 * started again, answers the portal's bot without a new install. Uses Debian's PostgreSQL 15 server and
 * tools (a dump needs a pg_dump at least as new as the server); skipped where they are missing.
 */
class BackupRestoreIT {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    @Test
    void aDumpRestoredIntoAFreshDatabaseCarriesTheServiceOn() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(BIN.resolve("pg_ctl")) && Files.isExecutable(BIN.resolve("pg_dump")),
                "Debian's postgresql-15 is not installed: the restore drill is skipped");
        Path work = Files.createTempDirectory("restore-drill");
        Path data = work.resolve("data");
        int port = PackagedService.freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // PostgreSQL's server refuses to run as root: the drill runs it as Debian's postgres user.
            run(List.of("chown", "-R", "postgres:postgres", work.toString()));
        }
        run(asPostgres(root, BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust"));
        run(asPostgres(root, BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", work.resolve("server.log").toString(),
                "-o", "-p " + port + " -k " + work + " -c listen_addresses=127.0.0.1", "-w", "start"));
        String server = "jdbc:postgresql://127.0.0.1:" + port + "/";
        try (Bitrix24Emulator bitrix = new Bitrix24Emulator(TestEnvironment.CLIENT_ID, TestEnvironment.CLIENT_SECRET)) {
            sql(server + "postgres", "create database b24bots");
            Portal portal = bitrix.createPortal();
            long echo;
            try (PackagedService service = PackagedService.start("restore-before",
                    PackagedService.environment(bitrix, server + "b24bots")).awaitReady()) {
                assertThat(service.post(PackagedService.installPath(portal), PackagedService.frameBody(bitrix, portal,
                        bitrix.issueTokens(portal, 1))).statusCode()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(60)).until(() -> !bitrix.imbot().liveBots(portal, "b24bots_echo").isEmpty());
                echo = TestPortals.botId(bitrix, portal, "b24bots_echo");
                assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, portal, echo, "before")).statusCode())
                        .isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(portal).size() == 1);
            }

            Path dump = work.resolve("b24bots.dump");
            run(List.of(BIN.resolve("pg_dump").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                    "-Fc", "-f", dump.toString(), "b24bots"));
            sql(server + "postgres", "drop database b24bots");
            sql(server + "postgres", "create database b24bots");
            run(List.of(BIN.resolve("pg_restore").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                    "-d", "b24bots", "--exit-on-error", dump.toString()));

            try (PackagedService service = PackagedService.start("restore-after",
                    PackagedService.environment(bitrix, server + "b24bots")).awaitReady()) {
                assertThat(scalar(server + "b24bots", "select status from portal where member_id = '" + portal.memberId + "'"))
                        .isEqualTo("active");
                assertThat(service.post("/b24/events", PackagedService.messageBody(bitrix, portal, echo, "after")).statusCode())
                        .isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> bitrix.imbot().messages(portal).size() == 2);
                assertThat(bitrix.calls(portal.memberId, "imbot.register")).as("no new install, no second registration").hasSize(1);
            }
        } finally {
            run(asPostgres(root, BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
        }
    }

    static List<String> asPostgres(boolean root, String... command) {
        List<String> line = new ArrayList<>(root ? List.of("runuser", "-u", "postgres", "--") : List.of());
        line.addAll(List.of(command));
        return line;
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    static void sql(String url, String statement) throws Exception {
        try (Connection db = DriverManager.getConnection(url, "postgres", ""); Statement sql = db.createStatement()) {
            sql.execute(statement);
        }
    }

    static String scalar(String url, String query) throws Exception {
        try (Connection db = DriverManager.getConnection(url, "postgres", ""); Statement sql = db.createStatement();
                ResultSet row = sql.executeQuery(query)) {
            row.next();
            return row.getString(1);
        }
    }
}
