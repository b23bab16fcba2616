package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Tells the workers that jobs were committed: this replica's at once (in-process), every replica's
 * through a PostgreSQL {@code NOTIFY} on {@link ReplicaNotifications#CHANNEL}, sent after the commit
 * and at most once per {@link #WINDOW}. The intake commits hundreds of small batches a second; a
 * notification inside each of them serialised their commits (PostgreSQL takes one lock to commit a
 * notifying transaction) and woke every replica's listener as often. A replica that dies between a
 * commit and its notification leaves the jobs to the other replicas' polling, as any crash does.
 */
@ApplicationScoped
public class JobAnnouncements {

    private static final Logger LOG = Logger.getLogger(JobAnnouncements.class);
    static final Duration WINDOW = Duration.ofMillis(10);

    private final JobSignal signal;
    private final DataSource database;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("job-announcements").factory());
    private volatile long lastSentNanos = System.nanoTime() - WINDOW.toNanos();

    JobAnnouncements(JobSignal signal, DataSource database) {
        this.signal = signal;
        this.database = database;
    }

    /** Jobs were committed: wake the local worker now, the other replicas within {@link #WINDOW}. */
    void committed() {
        signal.wake();
        if (pending.compareAndSet(false, true)) {
            long wait = Math.max(0, lastSentNanos + WINDOW.toNanos() - System.nanoTime());
            try {
                sender.schedule(this::send, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // Shutting down: the other replicas find the jobs by polling.
                pending.set(false);
            }
        }
    }

    private void send() {
        // Cleared first: a commit while this one is sent schedules the next, so none goes unannounced.
        pending.set(false);
        lastSentNanos = System.nanoTime();
        // Plain JDBC in autocommit, no transaction manager or ORM session: through Hibernate, this
        // one-line statement cost a caught exception per call (mapping its void result), on every commit.
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("NOTIFY " + ReplicaNotifications.CHANNEL);
        } catch (SQLException | RuntimeException e) {
            // The database is unreachable: the other replicas poll (b24.jobs.poll-interval) meanwhile.
            LOG.debugf("Could not announce committed jobs (%s)", e.getClass().getSimpleName());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        sender.shutdown();
    }
}
