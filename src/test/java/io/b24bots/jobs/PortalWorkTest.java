package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bot.messaging.BotEventQueue;
import io.b24bots.bot.registration.ConvergeBotsJob;
import io.b24bots.bot.registration.RegisterBotsJob;
import io.b24bots.bot.sending.SendMessageJob;
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
 * The rollout and the marketplace-status tick ask every few seconds which portals have
 * administrative work: with 100,000 bot events queued, the answer is still right and still read
 * from the index of that work, not from the backlog.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PortalWorkTest {

    private static final String PREFIX = "portalworktest-";

    @Inject
    JobWorker worker;

    @Inject
    PortalWork work;

    @BeforeEach
    void fillTheQueue() {
        // The application's worker would run (and fail) these jobs; only this test reads them.
        worker.pause();
        Database.script("""
                insert into job (kind, member_id, payload, status, attempts, run_at, created_at, updated_at)
                select 'bot-event', '%1$sflooded', '{}', 'queued', 0, now(), now(), now() from generate_series(1, 100000);
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at) values
                    ('converge-bots', '%1$sdue', 'queued', 0, now() - interval '1 minute', null, null, now(), now()),
                    ('converge-bots', '%1$srunning', 'running', 1, now(), 'a-replica', now() + interval '1 minute', now(), now()),
                    ('converge-bots', '%1$slater', 'queued', 0, now() + interval '1 hour', null, null, now(), now()),
                    ('register-bots', '%1$sfailed-lately', 'failed', 5, now(), null, null, now(), now() - interval '1 minute'),
                    ('register-bots', '%1$sfailed-long-ago', 'failed', 5, now(), null, null, now(), now() - interval '2 hours'),
                    ('register-bots', '%1$sdone', 'done', 1, now(), null, null, now(), now());
                -- What autovacuum does within its next round after a change this size (V8: 2%%).
                analyze job;
                """.formatted(PREFIX));
    }

    @AfterEach
    void emptyIt() {
        try {
            Database.script("delete from job where member_id like '" + PREFIX + "%'");
        } finally {
            worker.resume();
        }
    }

    @Test
    void busyPortalsAreTheOnesWithWorkUnderWayOrLatelyFailed() {
        Set<String> busy = work.busyWith(List.of(RegisterBotsJob.KIND, ConvergeBotsJob.KIND), Duration.ofMinutes(15));
        assertThat(busy.stream().filter(member -> member.startsWith(PREFIX)))
                .containsExactlyInAnyOrder(PREFIX + "due", PREFIX + "running", PREFIX + "later", PREFIX + "failed-lately");

        assertThat(work.portalsRunningOrDue(ConvergeBotsJob.KIND)).as("the due and the running portal, not the later one")
                .isGreaterThanOrEqualTo(2)
                .isEqualTo(Database.count("""
                        select count(distinct member_id) from job where kind = 'converge-bots'
                          and (status = 'running' or status = 'queued' and run_at <= now())"""));
    }

    @Test
    void theHighVolumeKindsAreNotAskedAbout() {
        assertThat(PortalWork.HIGH_VOLUME_KINDS).as("the kinds the index leaves out (V20)")
                .containsExactlyInAnyOrder(BotEventQueue.KIND, SendMessageJob.KIND);
        assertThatThrownBy(() -> work.busyWith(List.of(BotEventQueue.KIND), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> work.portalsRunningOrDue(SendMessageJob.KIND)).isInstanceOf(IllegalArgumentException.class);
    }

    /** As planned for one run, and as the generic plan PostgreSQL settles on for a statement run every few seconds. */
    @ParameterizedTest
    @ValueSource(strings = { "force_custom_plan", "force_generic_plan" })
    void theAsksReadTheirIndexNotTheBacklog(String planMode) {
        assertReadsFewRows(planMode, PortalWork.BUSY_WITH.replace(":kinds", "$1").replace(":failedWithin", "$2"), "text[], float8",
                "'{register-bots,converge-bots,converge-bots-requested}', 900");
        assertReadsFewRows(planMode, PortalWork.RUNNING_OR_DUE.replace(":kind", "$1"), "text", "'converge-bots'");
    }

    private void assertReadsFewRows(String planMode, String sql, String types, String arguments) {
        long rowsOfJob = 0;
        for (JsonNode node : QueryPlans.nodes(QueryPlans.explain(planMode, sql, types, arguments))) {
            if ("job".equals(node.path("Relation Name").asText())) {
                assertThat(node.path("Node Type").asText()).as("no sequential scan of the job table: %s", sql).isNotEqualTo("Seq Scan");
                rowsOfJob += (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong())
                        * node.path("Actual Loops").asLong();
            }
        }
        assertThat(rowsOfJob).as("rows of job read (%s): the administrative jobs, not the 100,000 bot events; %s", planMode, sql)
                .isLessThan(1_000);
    }
}
