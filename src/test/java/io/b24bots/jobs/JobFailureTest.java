package io.b24bots.jobs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a failing job does to the worker: a JVM Error in a handler or in the dispatcher is recorded,
 * counted and shown by readiness, and the worker goes on; a job that keeps asking to be retried
 * later runs out of attempts like one that keeps failing.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobFailureTest {

    private static final String CHECK = "checks.find { it.name == '" + JobReadiness.NAME + "' }";

    @Inject
    Tracer tracer;

    @Inject
    JobQueue queue;

    @Inject
    JobWorker worker;

    @Inject
    JobErrors errors;

    @Inject
    JobsConfig config;

    @Inject
    JobSignal signal;

    @Inject
    MeterRegistry meters;

    @Inject
    EntityManager em;

    @Inject
    DataSource database;

    @AfterEach
    void cleanUp() {
        // A job of these kinds may be running right now; remove each once it is back in the queue.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "delete from job where member_id like 'failuretest-%' and status <> 'running'").executeUpdate());
            return Database.count("select count(*) from job where member_id like 'failuretest-%'") == 0;
        });
        // Readiness would stay DOWN for b24.jobs.error-window and fail the classes after this one.
        errors.forget();
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void anErrorInAHandlerIsRecordedAndTheWorkerGoesOn() {
        given().get("/q/health/ready").then().statusCode(200).body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.state", equalTo("running"));
        long errorsBefore = errors.count();

        QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.ErrorJob.KIND, "failuretest-oom", null, null));

        await().atMost(Duration.ofSeconds(10)).until(() -> !Database.rows(
                "select 1 from job where member_id = 'failuretest-oom' and attempts = 1 and status in ('queued', 'failed')").isEmpty());
        Map<String, Object> job = Database.rows("select * from job where member_id = 'failuretest-oom'").get(0);
        assertThat(job.get("status")).as("retried, with back-off").isEqualTo("queued");
        assertThat((String) job.get("last_error")).isEqualTo("OutOfMemoryError: test");
        assertThat(errors.count()).isEqualTo(errorsBefore + 1);
        assertThat(meters.get("b24.jobs.errors").tag("where", "handler").tag("error", "OutOfMemoryError").counter().count())
                .isPositive();

        given().get("/q/health/ready").then().statusCode(503).body(CHECK + ".status", equalTo("DOWN"))
                .body(CHECK + ".data.lastError", equalTo("java.lang.OutOfMemoryError"))
                .body(CHECK + ".data.state", equalTo("running"));

        QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.NoopJob.KIND, "failuretest-after", null, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where member_id = 'failuretest-after' and status = 'done'") == 1);
        assertThat(worker.state()).isEqualTo(JobWorker.State.RUNNING);
    }

    /**
     * What a replica that died under a job leaves behind: the job running, its lease run out, its
     * attempts counted at each claim. At {@code b24.jobs.max-attempts} such claims it is not run again
     * (it may take the next replica down with it) but failed with a code of its own; one claim short
     * of that it is taken over and run as usual.
     */
    @Test
    void aJobWhoseRunsNeverRecordAnOutcomeStopsAfterMaxAttemptsClaims() {
        double before = abandonedCount();
        long poison = insertExpired("failuretest-poison", config.maxAttempts());
        long survivor = insertExpired("failuretest-taken-over", config.maxAttempts() - 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where id in (" + poison + ", " + survivor + ") and status in ('failed', 'done')") == 2);

        assertThat(Database.text("select status || ' ' || last_error from job where id = " + poison))
                .startsWith("failed " + JobStore.ABANDONED + ": its last " + config.maxAttempts() + " runs ended without an outcome");
        assertThat(Database.count("select count(*) from job where id = " + poison + " and attempts = " + config.maxAttempts()))
                .as("not claimed once more").isEqualTo(1);
        assertThat(Database.text("select status from job where id = " + survivor)).isEqualTo("done");
        assertThat(abandonedCount() - before).isEqualTo(1.0);
    }

    private long insertExpired(String memberId, int attempts) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery("""
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at)
                values (:kind, :member, 'running', :attempts, now() - interval '10 minutes', 'a-replica-that-died',
                        now() - interval '1 second', now() - interval '10 minutes', now() - interval '1 minute')
                returning id""").setParameter("kind", TestJobHandlers.NoopJob.KIND).setParameter("member", memberId)
                .setParameter("attempts", attempts).getSingleResult()).longValue());
    }

    private double abandonedCount() {
        var counter = meters.find("b24.jobs.completed").tag("kind", TestJobHandlers.NoopJob.KIND)
                .tag("outcome", "abandoned").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anErrorInTheDispatcherDoesNotEndIt() {
        AtomicBoolean thrown = new AtomicBoolean();
        JobStore failingOnce = new JobStore(em, database, config, meters) {
            @Override
            public List<QueuedJob> claim(String worker, int max, Duration lease) {
                if (thrown.compareAndSet(false, true)) {
                    throw new StackOverflowError("test");
                }
                return super.claim(worker, max, lease);
            }
        };
        worker.pause();
        JobRunner runner = new JobRunner("failing-dispatcher", failingOnce,
                Map.of(TestJobHandlers.NoopJob.KIND, new TestJobHandlers.NoopJob()), config, signal, meters, errors, tracer);
        try {
            runner.start();
            await().atMost(Duration.ofSeconds(10)).untilTrue(thrown);
            QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.NoopJob.KIND, "failuretest-dispatch", null, null));

            await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                    "select count(*) from job where member_id = 'failuretest-dispatch' and status = 'done'") == 1);
            assertThat(runner.dispatching()).isTrue();
            assertThat(errors.lastError()).isEqualTo("java.lang.StackOverflowError");
        } finally {
            runner.stop(Duration.ofSeconds(5));
            worker.resume();
        }
        assertThat(runner.dispatching()).as("stopped on purpose").isFalse();
    }

    @Test
    void aJobAskingToBeRetriedForeverFailsAfterTheAttemptLimit() {
        QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.RetryLaterJob.KIND, "failuretest-later", null, null));

        await().atMost(Duration.ofSeconds(20)).until(() -> Database.count(
                "select count(*) from job where member_id = 'failuretest-later' and status = 'failed'") == 1);
        Map<String, Object> job = Database.rows("select * from job where member_id = 'failuretest-later'").get(0);
        assertThat(job.get("attempts")).isEqualTo(config.maxAttempts());
        assertThat(job.get("last_error")).isEqualTo("gave up after " + config.maxAttempts() + " attempts: not yet");
    }
}
