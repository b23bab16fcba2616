package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes this replica's worker when any replica queues a job: {@link JobQueue} sends a PostgreSQL
 * {@code NOTIFY} in the job's transaction (delivered on commit), and this listener, on a connection
 * of its own outside the pool, passes it to {@link JobSignal}. Without it, a job queued on a busy
 * replica would wait for another replica's poll.
 */
@ApplicationScoped
public class JobNotifications {

    static final String CHANNEL = "b24bots_jobs";
    private static final Logger LOG = Logger.getLogger(JobNotifications.class);
    private static final Duration RECONNECT = Duration.ofSeconds(2);

    private final JobSignal signal;
    private final JobsConfig config;
    private final String url;
    private final String username;
    private final String password;
    private final Counter received;
    private volatile boolean running;
    private volatile Connection connection;
    private Thread listener;

    JobNotifications(JobSignal signal, JobsConfig config, MeterRegistry meters,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "") String username,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.signal = signal;
        this.config = config;
        this.url = url;
        this.username = username;
        this.password = password;
        this.received = Counter.builder("b24.jobs.notifications")
                .description("Job announcements received from any replica").register(meters);
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        running = true;
        listener = Thread.ofVirtual().name("job-notifications").start(this::listen);
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        closeQuietly();
        if (listener != null) {
            listener.interrupt();
        }
    }

    private void listen() {
        while (running) {
            try (Connection listening = DriverManager.getConnection(url, username, password)) {
                connection = listening;
                try (Statement statement = listening.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection postgres = listening.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications((int) config.pollInterval().toMillis());
                    if (notifications != null && notifications.length > 0) {
                        received.increment(notifications.length);
                        signal.wake();
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOG.debugf("Job notifications interrupted (%s); reconnecting", e.getSQLState());
                    sleep();
                }
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(RECONNECT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeQuietly() {
        Connection current = connection;
        if (current != null) {
            try {
                current.close();
            } catch (SQLException e) {
                // Closing on shutdown; nothing to do about it.
            }
        }
    }
}
