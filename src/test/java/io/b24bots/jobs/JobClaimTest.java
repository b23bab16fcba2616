package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.testing.Database;
import io.b24bots.testing.QueryPlans;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One portal with 100,000 queued jobs neither slows the claim (it reads each portal's first job,
 * never the backlog) nor crowds out 200 other portals, and the claim keeps its rules: one job per
 * portal, the oldest heads first, busy portals skipped, expired leases taken over.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobClaimTest {

    private static final String PREFIX = "claimtest-";
    private static final String HOSTILE = PREFIX + "hostile";
    private static final String BUSY = PREFIX + "busy";
    private static final String ABANDONED = PREFIX + "abandoned";

    @Inject
    JobWorker worker;

    @Inject
    JobStore store;


    @BeforeEach
    void fillTheQueue() throws Exception {
        // The application's worker knows no "test-claim" jobs and would fail them; only this test claims.
        worker.pause();
        Database.script("""
                insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at)
                select 'test-claim', '%1$s', 'queued', 0, now() - interval '2 days' + g * interval '1 millisecond', now(), now()
                from generate_series(1, 100000) g;
                insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at)
                select 'test-claim', '%2$s' || lpad(p::text, 3, '0'), 'queued', 0,
                       now() - interval '1 day' + (p * 10 + n) * interval '1 second', now(), now()
                from generate_series(1, 200) p, generate_series(1, 5) n;
                -- Not yet due: never taken.
                insert into job (kind, member_id, status, attempts, run_at, created_at, updated_at)
                values ('test-claim', '%2$sfuture', 'queued', 0, now() + interval '1 hour', now(), now());
                -- A portal with a job running under a live lease: its oldest queued job waits.
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at)
                values ('test-claim', '%3$s', 'running', 1, now() - interval '4 days', 'live-replica', now() + interval '1 hour', now(), now()),
                       ('test-claim', '%3$s', 'queued', 0, now() - interval '4 days', null, null, now(), now());
                -- A replica died holding this portal's job: taken over, before the portal's queued one.
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at)
                values ('test-claim', '%4$s', 'running', 1, now() - interval '3 days', 'dead-replica', now() - interval '1 minute', now(), now()),
                       ('test-claim', '%4$s', 'queued', 0, now() - interval '3 days' + interval '1 second', null, null, now(), now());
                -- What autovacuum does within its next round after a change this size (V8: 2%%): the
                -- plans below are PostgreSQL's with statistics that know this backlog, as in service.
                analyze job;
                """.formatted(HOSTILE, PREFIX + "p", BUSY, ABANDONED));
    }

    @AfterEach
    void emptyIt() throws Exception {
        try {
            Database.script("delete from job where member_id like '" + PREFIX + "%'");
        } finally {
            worker.resume();
        }
    }

    @Test
    void aHostileBacklogDoesNotCrowdOutOtherPortals() {
        long started = System.nanoTime();
        List<QueuedJob> first = claim(50);
        System.out.printf("Claim of 50 with 100,000 jobs of one portal queued took %.1f ms%n", (System.nanoTime() - started) / 1e6);

        List<String> expected = new ArrayList<>(List.of(ABANDONED, HOSTILE));
        IntStream.rangeClosed(1, 48).forEach(p -> expected.add(PREFIX + "p%03d".formatted(p)));
        assertThat(first).extracting(QueuedJob::memberId).as("one job of each portal, oldest heads first")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(first).filteredOn(job -> job.memberId().equals(ABANDONED)).singleElement()
                .satisfies(job -> assertThat(job.attempt()).as("the abandoned job, taken over for a second run").isEqualTo(2));
        for (QueuedJob job : first) {
            assertThat(Database.count("""
                    select count(*) from job where member_id = ? and status = 'queued'
                    and run_at <= (select run_at from job where id = ?) and id <> ?
                    """, job.memberId(), job.id(), job.id())).as("%s is its portal's oldest job", job).isZero();
        }

        // Every portal taken is busy now: the next claim goes on with the others, the hostile one not again.
        List<QueuedJob> second = claim(50);
        assertThat(second).extracting(QueuedJob::memberId)
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(49, 98).mapToObj(p -> PREFIX + "p%03d".formatted(p)).toList());

        assertThat(Database.count("select count(*) from job where member_id = ? and status = 'running'", HOSTILE)).isEqualTo(1);
        JobStore.QueueStats stats = store.stats();
        assertThat(stats.waiting()).as("the gauges see the backlog").isGreaterThanOrEqualTo(100_000);
        assertThat(stats.running()).isGreaterThanOrEqualTo(101);
        assertThat(stats.oldestDueSeconds()).as("the busy portal's job, waiting four days").isGreaterThanOrEqualTo(4 * 86_400);
        assertThat(Database.count("select count(*) from job where member_id = ? and locked_by = 'live-replica'", BUSY))
                .isEqualTo(1);
    }

    /** Checked as planned for one run and as the generic plan PostgreSQL settles on for a statement run often. */
    @ParameterizedTest
    @ValueSource(strings = { "force_custom_plan", "force_generic_plan" })
    void theClaimReadsPortalHeadsNotTheBacklog(String planMode) {
        // The claim's updates are undone.
        JsonNode plan = QueryPlans.explain(planMode, QueryPlans.numbered(JobStore.CLAIM), "int, text, int, text, float8, int",
                "10, 'abandoned', 10, 'explaining-replica', 60, 50");
        List<JsonNode> nodes = QueryPlans.nodes(plan);
        long rowsOfJob = 0;
        for (JsonNode node : nodes) {
            String type = node.path("Node Type").asText();
            assertThat(type).as("no window over the backlog").isNotEqualTo("WindowAgg");
            // Every relation and index this query reads is the job table's.
            if ("job".equals(node.path("Relation Name").asText()) || type.equals("Bitmap Index Scan")) {
                assertThat(type).as("no sequential scan of the job table").isNotEqualTo("Seq Scan");
                long loops = node.path("Actual Loops").asLong();
                rowsOfJob += (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong()
                        + node.path("Rows Removed by Index Recheck").asLong()) * loops;
            }
        }
        JsonNode top = plan.get("Plan");
        System.out.printf("Claim plan (" + planMode + "): %.1f ms, %d rows of job read, %d shared buffers hit, %d read%n",
                plan.path("Execution Time").asDouble(), rowsOfJob, top.path("Shared Hit Blocks").asLong(),
                top.path("Shared Read Blocks").asLong());
        assertThat(rowsOfJob).as("rows read: about a few per portal with queued jobs, not the 100,000 of the backlog")
                .isPositive().isLessThan(5_000);
    }

    /** Claims for this test and hands back anything else an earlier test left due (it is not ours to run). */
    private List<QueuedJob> claim(int max) {
        List<QueuedJob> claimed = store.claim("claiming-replica", max, Duration.ofMinutes(5));
        List<QueuedJob> others = claimed.stream().filter(j -> !j.memberId().startsWith(PREFIX)).toList();
        if (!others.isEmpty()) {
            String ids = others.stream().map(j -> String.valueOf(j.id())).collect(Collectors.joining(","));
            Database.script("update job set status = 'queued', locked_by = null, locked_until = null, attempts = attempts - 1 where id in ("
                    + ids + ")");
        }
        return claimed.stream().filter(j -> j.memberId().startsWith(PREFIX)).toList();
    }
}
