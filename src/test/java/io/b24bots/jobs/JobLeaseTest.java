package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker whose lease passed to another stops before its effect and leaves the job to the new
 * owner: the handler's confirmation fails, and the runner records nothing over the new owner's row.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobLeaseTest {

    @Inject
    Tracer tracer;

    @Inject
    JobQueue queue;

    @Inject
    JobWorker worker;

    @Inject
    JobStore store;

    @Inject
    JobsConfig config;

    @Inject
    JobSignal signal;

    @Inject
    MeterRegistry meters;

    @Inject
    JobErrors errors;

    @Inject
    EntityManager em;

    @Inject
    TestJobHandlers.LeaseJob handler;

    @BeforeEach
    void reset() {
        handler.reset();
    }

    @AfterEach
    void cleanUp() {
        handler.go.countDown();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from job where member_id like 'leasetest-%'")
                .executeUpdate());
    }

    @Test
    void aJobTakenOverDoesNotActAndItsOutcomeIsTheNewOwners() throws Exception {
        double lostBefore = lost();
        QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.LeaseJob.KIND, "leasetest-a", null, null));
        assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
        long id = handler.current.get().id();

        takeOver(id);
        handler.go.countDown();

        assertThat(handler.finished.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.effect).as("no effect without the lease").isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> lost() > lostBefore);
        Map<String, Object> row = Database.rows("select * from job where id = ?", id).get(0);
        assertThat(row.get("status")).isEqualTo("running");
        assertThat(row.get("locked_by")).isEqualTo("new-owner");
        assertThat(row.get("last_error")).isNull();
    }

    @Test
    void aRenewalThatFailsMakesTheNextConfirmationFailAtOnce() throws Exception {
        // A runner renewing every 200 ms, alone on the queue, so the test need not wait for the usual 20 s.
        worker.pause();
        JobRunner runner = new JobRunner("short-lease", store, Map.of(TestJobHandlers.LeaseJob.KIND, handler),
                withLease(Duration.ofMillis(600)), signal, meters, errors, tracer);
        try {
            runner.start();
            QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.LeaseJob.KIND, "leasetest-b", null, null));
            assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
            QueuedJob job = handler.current.get();

            takeOver(job.id());
            await().atMost(Duration.ofSeconds(5)).until(job::leaseLost);
            handler.go.countDown();

            assertThat(handler.finished.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handler.effect).isFalse();
            assertThat(Database.rows("select locked_by from job where id = ?", job.id()).get(0).get("locked_by"))
                    .isEqualTo("new-owner");
        } finally {
            runner.stop(Duration.ofSeconds(5));
            worker.resume();
        }
    }

    @Test
    void aJobStillLeasedConfirmsAndActs() throws Exception {
        QuarkusTransaction.requiringNew().run(() -> queue.enqueue(TestJobHandlers.LeaseJob.KIND, "leasetest-c", null, null));
        assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
        long id = handler.current.get().id();
        handler.go.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> "done".equals(
                Database.rows("select status from job where id = ?", id).get(0).get("status")));
        assertThat(handler.effect).isTrue();
    }

    /** What a replica does when it takes over a job whose lease ran out, without waiting for it to run out. */
    private void takeOver(long id) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                update job set locked_by = 'new-owner', locked_until = now() + interval '1 hour', attempts = attempts + 1
                where id = :id
                """).setParameter("id", id).executeUpdate());
    }

    private double lost() {
        return Optional.ofNullable(meters.find("b24.jobs.completed").tag("kind", TestJobHandlers.LeaseJob.KIND)
                .tag("outcome", "lost").counter()).map(Counter::count).orElse(0.0);
    }

    private JobsConfig withLease(Duration lease) {
        return new JobsConfig() {
            @Override
            public Optional<String> workerName() {
                return config.workerName();
            }

            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public int concurrency() {
                return config.concurrency();
            }

            @Override
            public Duration lease() {
                return lease;
            }

            @Override
            public Duration pollInterval() {
                return config.pollInterval();
            }

            @Override
            public int maxAttempts() {
                return config.maxAttempts();
            }

            @Override
            public Duration backoff() {
                return config.backoff();
            }

            @Override
            public Duration maxBackoff() {
                return config.maxBackoff();
            }

            @Override
            public int maxQueuedPerPortal() {
                return config.maxQueuedPerPortal();
            }

            @Override
            public MemorySize maxQueuedBytesPerPortal() {
                return config.maxQueuedBytesPerPortal();
            }

            @Override
            public Duration stuckAfter() {
                return config.stuckAfter();
            }

            @Override
            public Duration errorWindow() {
                return config.errorWindow();
            }

            @Override
            public Duration retention() {
                return config.retention();
            }

            @Override
            public Duration shutdownGrace() {
                return config.shutdownGrace();
            }
        };
    }
}
