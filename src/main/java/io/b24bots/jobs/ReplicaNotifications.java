package io.b24bots.jobs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import io.b24bots.portal.PortalChanges;
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
 * What other replicas tell this one through PostgreSQL's {@code LISTEN/NOTIFY}, heard on a
 * connection of its own outside the pool:
 * <ul>
 * <li>jobs were queued ({@link JobAnnouncements} notifies {@link #CHANNEL} after the commit): the
 * worker wakes ({@link JobSignal}) instead of waiting for its poll;</li>
 * <li>a portal's tokens, status or bots changed (V9's triggers notify {@link PortalChanges#CHANNEL}):
 * {@link PortalChanges} makes this replica forget its copies.</li>
 * </ul>
 * The connection is checked every {@link #CHECK} as well: a connection that died without a word
 * (a network partition sends no reset) would otherwise leave this replica trusting its copies while
 * it hears nothing.
 */
@ApplicationScoped
public class ReplicaNotifications {

    static final String CHANNEL = "b24bots_jobs";
    /** The listening connection's {@code application_name}. */
    public static final String APPLICATION_NAME = "b24bots-listener";
    private static final Logger LOG = Logger.getLogger(ReplicaNotifications.class);
    private static final Duration RECONNECT = Duration.ofSeconds(2);
    static final Duration CHECK = Duration.ofSeconds(5);

    private final JobSignal signal;
    private final PortalChanges portals;
    private final JobsConfig config;
    private final String url;
    private final String username;
    private final String password;
    private final Counter received;
    private volatile boolean running;
    private volatile Connection connection;
    private Thread listener;

    ReplicaNotifications(JobSignal signal, PortalChanges portals, JobsConfig config, MeterRegistry meters,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "") String username,
            @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password) {
        this.signal = signal;
        this.portals = portals;
        this.config = config;
        this.url = url;
        this.username = username;
        this.password = password;
        this.received = Counter.builder("b24.jobs.notifications")
                .description("Job announcements received from any replica").register(meters);
    }

    /** Runs whether or not this replica's worker does: an intake-only replica keeps portal copies too. */
    void start(@Observes StartupEvent event) {
        running = true;
        listener = Thread.ofVirtual().name("replica-notifications").start(this::listen);
    }

    /**
     * Waits for the listener to end: past this observer the bean container shuts down, and a listener
     * still running would tell {@link PortalChanges} about its closed connection through a container
     * that is gone (a stack trace in the log of every stop that lost the race).
     */
    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        closeQuietly();
        if (listener != null) {
            listener.interrupt();
            listener.join(RECONNECT);
        }
    }

    private void listen() {
        while (running) {
            try (Connection listening = DriverManager.getConnection(url, connectionProperties())) {
                connection = listening;
                try (Statement statement = listening.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                    statement.execute("LISTEN " + PortalChanges.CHANNEL);
                }
                portals.listening(true);
                // Jobs announced while this replica was not listening are found now, not at the next poll.
                signal.wake();
                PGConnection postgres = listening.unwrap(PGConnection.class);
                long checked = System.nanoTime();
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications((int) Math.min(
                            config.pollInterval().toMillis(), CHECK.toMillis()));
                    if (notifications != null) {
                        heard(notifications);
                    }
                    if (System.nanoTime() - checked > CHECK.toNanos()) {
                        if (!listening.isValid((int) RECONNECT.toSeconds())) {
                            throw new SQLException("the listening connection does not answer", "08006");
                        }
                        checked = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                portals.listening(false);
                LOG.debugf("Replica notifications interrupted (%s); reconnecting",
                        e instanceof SQLException sql ? sql.getSQLState() : e.getClass().getSimpleName());
                sleep();
            }
        }
    }

    /** Named, so an operator (and a test) can tell it in {@code pg_stat_activity}. */
    private Properties connectionProperties() {
        Properties properties = new Properties();
        properties.setProperty("user", username);
        properties.setProperty("password", password);
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        return properties;
    }

    private void heard(PGNotification[] notifications) {
        int jobs = 0;
        for (PGNotification notification : notifications) {
            if (CHANNEL.equals(notification.getName())) {
                jobs++;
            } else if (PortalChanges.CHANNEL.equals(notification.getName())) {
                portals.heard(notification.getParameter());
            }
        }
        if (jobs > 0) {
            received.increment(jobs);
            signal.wake();
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
