package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A job queued anywhere (another replica, here another connection) is announced to this replica at commit. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ReplicaNotificationsTest {

    @Inject
    MeterRegistry meters;

    @Inject
    JobQueue queue;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String username;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    double received() {
        return meters.get("b24.jobs.notifications").counter().count();
    }

    @Test
    void anotherReplicasNotifyReachesThisOne() throws Exception {
        double before = received();
        try (Connection other = DriverManager.getConnection(url, username, password);
                Statement statement = other.createStatement()) {
            statement.execute("NOTIFY " + ReplicaNotifications.CHANNEL);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> received() > before);
    }

    @Test
    void queuingAJobAnnouncesIt() {
        double before = received();
        // Reconciling a portal nobody installed does nothing: a harmless job to announce.
        QuarkusTransaction.requiringNew().run(() -> queue.enqueue("reconcile-bots", "notify-portal", null, "notify"));
        await().atMost(Duration.ofSeconds(10)).until(() -> received() > before);
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where member_id = 'notify-portal' and status = 'done'") == 1);
    }

    @Test
    void aBurstOfCommitsIsAnnouncedOnceInAWhileAndItsLastCommitToo() {
        double before = received();
        int commits = 200;
        for (int i = 0; i < commits; i++) {
            String key = "burst-" + i;
            QuarkusTransaction.requiringNew().run(() -> queue.enqueue("reconcile-bots", "burst-portal", null, key));
        }
        // The last commit is announced too (after the window), and far fewer times than there were commits.
        await().atMost(Duration.ofSeconds(10)).until(() -> received() > before);
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where member_id = 'burst-portal' and status = 'done'") == commits);
        assertThat(received() - before).isLessThan(commits / 2.0);
    }
}
