package io.b24bots.jobs;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

/** Job handlers that exist only in tests, run by the application's own worker like any feature's. */
final class TestJobHandlers {

    private TestJobHandlers() {
    }

    /** Every run dies of a JVM Error, as a handler that ran out of memory would. */
    @ApplicationScoped
    static class ErrorJob implements JobHandler {
        static final String KIND = "test-error";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public void run(QueuedJob job) {
            throw new OutOfMemoryError("test");
        }
    }

    /** Does nothing: proves a worker still takes jobs. */
    @ApplicationScoped
    static class NoopJob implements JobHandler {
        static final String KIND = "test-noop";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public void run(QueuedJob job) {
        }
    }

    /** Never finishes, always asking to be run again at once. */
    @ApplicationScoped
    static class RetryLaterJob implements JobHandler {
        static final String KIND = "test-retry-later";

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public void run(QueuedJob job) {
            throw new RetryJobLater(Duration.ZERO, "not yet");
        }
    }

    /**
     * Waits for the test's go, then confirms its lease and only then performs its effect, as a
     * handler about to send a message must. A singleton, so tests can read its fields (no client proxy).
     */
    @Singleton
    static class LeaseJob implements JobHandler {
        static final String KIND = "test-lease";

        final AtomicReference<QueuedJob> current = new AtomicReference<>();
        final AtomicBoolean effect = new AtomicBoolean();
        volatile CountDownLatch started = new CountDownLatch(1);
        volatile CountDownLatch go = new CountDownLatch(1);
        volatile CountDownLatch finished = new CountDownLatch(1);

        void reset() {
            current.set(null);
            effect.set(false);
            started = new CountDownLatch(1);
            go = new CountDownLatch(1);
            finished = new CountDownLatch(1);
        }

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public void run(QueuedJob job) {
            try {
                current.set(job);
                started.countDown();
                if (!go.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the job go on");
                }
                job.confirmLease();
                effect.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                finished.countDown();
            }
        }
    }
}
