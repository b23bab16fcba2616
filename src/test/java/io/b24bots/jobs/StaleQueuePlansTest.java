package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.b24bots.support.GenericPlans;
import io.b24bots.testing.QueryPlans;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The queue's hot statements keep one generic plan per connection, made from the statistics of the
 * moment. A plan made while the job table was empty (a new database, a quiet hour) must still read
 * a backlog that built up afterwards through the indexes: each test empties the table and its
 * statistics inside a transaction it rolls back, plans there, and runs or explains the statement
 * over a backlog of 20,000 jobs queued after the plan was made.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class StaleQueuePlansTest {

    private static final String PREFIX = "staleplans-";
    private static final String WORKER = "stale-plan-replica";

    @Inject
    DataSource database;

    @Test
    void claimsAndCompletionsPlannedOnAnEmptyQueueReadTheBacklogByIndex() {
        inAnEmptiedQueue(statement -> {
            statement.execute("select " + GenericPlans.INDEXED);
            statement.execute("prepare stale_claim(int, text, int, text, float8, int) as " + QueryPlans.numbered(JobStore.CLAIM));
            statement.execute("prepare stale_complete(bigint[], int[], boolean[], text, text) as "
                    + QueryPlans.numbered(JobStore.COMPLETE));
            // Each plan is made at its first run, on the empty table.
            statement.execute("execute stale_claim(10, 'abandoned', 10, '" + WORKER + "', 60, 50)");
            statement.execute("execute stale_complete('{}', '{}', '{}', '" + WORKER + "', '" + WORKER + "')");
            queueTheBacklog(statement);

            JsonNode claim = explain(statement, "analyze, format json",
                    "execute stale_claim(10, 'abandoned', 10, '" + WORKER + "', 60, 50)");
            assertThat(claim.path("Plan").path("Actual Rows").asLong()).as("jobs claimed, one per portal").isEqualTo(50);
            assertReadsFewJobs(claim, "the claim");

            List<Long> claimed = ids(statement, "select id from job where locked_by = '" + WORKER + "' order by id");
            assertThat(claimed).hasSize(50);
            String idArray = claimed.toString().replace('[', '{').replace(']', '}');
            String attempts = "{" + "1,".repeat(49) + "1}";
            String kept = "{" + "false,".repeat(49) + "false}";
            JsonNode complete = explain(statement, "analyze, format json", "execute stale_complete('%s', '%s', '%s', '%s', '%s')"
                    .formatted(idArray, attempts, kept, WORKER, WORKER));
            assertThat(complete.path("Plan").path("Actual Rows").asLong()).as("jobs completed").isEqualTo(50);
            assertReadsFewJobs(complete, "the completion");
        });
    }

    @Test
    void theIntakeBatchPlannedOnAnEmptyQueueReadsNoJobSequentially() {
        inAnEmptiedQueue(statement -> {
            statement.execute("select " + GenericPlans.INDEXED);
            statement.execute("prepare stale_batch(varchar[], text[], varchar[], bytea[], varchar[], bigint[], bigint[],"
                    + " int, int, bigint, varchar, varchar, float8) as " + QueryPlans.numbered(JobQueue.INSERT_ALL));
            // Explained, not run: under force_generic_plan this is the plan the connection keeps.
            JsonNode plan = explain(statement, "format json", "execute stale_batch(" + "null, ".repeat(12) + "null)");
            List<JsonNode> ofJob = QueryPlans.nodes(plan).stream()
                    .filter(node -> "job".equals(node.path("Relation Name").asText())).toList();
            assertThat(ofJob).as("the batch reads and writes the job table").isNotEmpty();
            assertThat(ofJob).extracting(node -> node.path("Node Type").asText())
                    .as("probes of the job table, planned on an empty table").doesNotContain("Seq Scan");
        });
    }

    /**
     * A single offer (the bot API's messages, events put back on the queue) runs under PostgreSQL's
     * automatic plan choice, which may keep a generic plan too: its counts of the portal's jobs must
     * not read the other portals' backlog, and the caller's transaction gets its own setting back.
     */
    @Test
    void aSingleOfferPlannedOnAnEmptyQueueCountsOnlyItsPortal() {
        inAnEmptiedQueue(statement -> {
            // The plan PostgreSQL may settle on and keep, made on the empty table, under the offer's own settings.
            statement.execute("set local plan_cache_mode = force_generic_plan");
            statement.execute(GenericPlans.INDEXED_BEFORE);
            PositionalSql capped = PositionalSql.of(JobQueue.CAPPED);
            Map<String, String> types = Map.of("kind", "varchar", "memberId", "varchar", "payload", "text", "dedupKey", "varchar",
                    "delay", "float8", "traceParent", "varchar", "cap", "int", "bytesCap", "bigint");
            Map<String, String> values = Map.of("kind", "'stale-offer'", "memberId", "'" + PREFIX + "quiet'", "payload", "'{}'",
                    "dedupKey", "null", "delay", "0", "traceParent", "null", "cap", "5000", "bytesCap", "33554432");
            statement.execute("prepare stale_offer(" + String.join(", ", capped.names().stream().map(types::get).toList()) + ") as "
                    + QueryPlans.numbered(capped.text()));
            String execute = "execute stale_offer(" + String.join(", ", capped.names().stream().map(values::get).toList()) + ")";
            statement.execute(execute);
            statement.execute(GenericPlans.INDEXED_AFTER);
            assertThat(ids(statement, "select 1 where current_setting('enable_seqscan') = 'on'")).as("the setting given back")
                    .hasSize(1);

            queueTheBacklog(statement);
            statement.execute(GenericPlans.INDEXED_BEFORE);
            JsonNode offer = explain(statement, "analyze, format json", execute);
            assertThat(QueryPlans.rowsRead(offer, "job")).as("rows of job read to count a portal with one job, beside 20,000 of others")
                    .isLessThan(10);
        });
    }

    private interface WithStatement {
        void run(Statement statement) throws Exception;
    }

    /**
     * Runs {@code work} in a transaction, rolled back after it, where the job table is empty, with
     * statistics that say so.
     */
    private void inAnEmptiedQueue(WithStatement work) {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            try {
                // A plan that reads the backlog once per portal would run for minutes: fail instead.
                statement.execute("set local statement_timeout = '30s'");
                statement.execute("truncate job");
                statement.execute("analyze job");
                work.run(statement);
            } finally {
                connection.rollback();
                deallocateOurs(statement);
                connection.setAutoCommit(true);
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
    }

    /** 20,000 due jobs of 400 portals, queued after the plans were made. */
    private static void queueTheBacklog(Statement statement) throws SQLException {
        statement.execute("""
                insert into job (kind, member_id, payload, status, attempts, run_at, created_at, updated_at)
                select 'bot-event', '%s' || (g %% 400), repeat(md5(g::text), 40), 'queued', 0,
                       now() - interval '1 minute', now(), now()
                from generate_series(1, 20000) g""".formatted(PREFIX));
    }

    /**
     * Prepared statements belong to the pooled session, not to the transaction; only this test's go
     * (the driver's own server-side statements on this connection must stay).
     */
    private static void deallocateOurs(Statement statement) throws SQLException {
        for (String name : List.of("stale_claim", "stale_complete", "stale_batch", "stale_offer")) {
            if (!ids(statement, "select 1 from pg_prepared_statements where name = '" + name + "'").isEmpty()) {
                statement.execute("deallocate " + name);
            }
        }
    }

    private static void assertReadsFewJobs(JsonNode plan, String what) {
        for (JsonNode node : QueryPlans.nodes(plan)) {
            if ("job".equals(node.path("Relation Name").asText())) {
                assertThat(node.path("Node Type").asText()).as("%s: no sequential scan of the job table", what).isNotEqualTo("Seq Scan");
            }
        }
        long rowsOfJob = QueryPlans.rowsRead(plan, "job");
        System.out.printf("Stale plan of %s: %.1f ms, %d rows of job read%n", what, plan.path("Execution Time").asDouble(), rowsOfJob);
        assertThat(rowsOfJob).as("%s: rows of job read, a few per portal, not the 20,000 of the backlog", what).isLessThan(5_000);
    }

    /** The plan of {@code sql}, run (and its time and rows counted) unless {@code options} is only the format. */
    private static JsonNode explain(Statement statement, String options, String sql) throws Exception {
        try (ResultSet result = statement.executeQuery("explain (" + options + ") " + sql)) {
            result.next();
            return new ObjectMapper().readTree(result.getString(1)).get(0);
        }
    }

    private static List<Long> ids(Statement statement, String sql) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                ids.add(result.getLong(1));
            }
        }
        return ids;
    }
}
