package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** A replica that stops lets its running jobs finish and records them before it goes. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class GracefulShutdownTest {

    @Inject
    Tracer tracer;

    @Inject
    JobWorker worker;

    @Inject
    JobStore store;

    @Inject
    JobQueue queue;

    @Inject
    JobsConfig config;

    @Inject
    JobSignal signal;

    @Inject
    MeterRegistry meters;

    @Inject
    JobErrors errors;

    @Test
    void stoppingWaitsForRunningJobsToFinish() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        JobHandler slow = new JobHandler() {
            @Override
            public String kind() {
                return "test-slow";
            }

            @Override
            public void run(QueuedJob job) {
                started.countDown();
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                finished.set(true);
            }
        };
        // The application's own worker knows no "test-slow" jobs; keep it out of the way.
        worker.pause();
        JobRunner runner = new JobRunner("stopping-replica", store, Map.of("test-slow", slow), config, signal, meters, errors, tracer);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                queue.enqueue("test-slow", "graceful-a", null, null);
                queue.enqueue("test-slow", "graceful-b", null, null);
            });
            runner.start();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

            runner.stop(Duration.ofSeconds(10));

            assertThat(finished).isTrue();
            assertThat(Database.count("select count(*) from job where kind = 'test-slow' and status = 'done'"))
                    .as("the running job finished and was recorded").isGreaterThanOrEqualTo(1);
        } finally {
            Database.update("delete from job where kind = 'test-slow'");
            worker.resume();
        }
        await().until(() -> Database.count("select count(*) from job where kind = 'test-slow'") == 0);
    }
}
