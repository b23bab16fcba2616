package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import io.b24bots.support.PlainTransaction;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A portal's job offered while the portal has nothing queued or running is inserted leased to this
 * replica's worker and run here once its transaction commits, without a claim; a portal's jobs
 * still run one at a time and in order, whichever transactions and replicas insert them.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobLeaseAtInsertTest {

    private static final String KIND = TestJobHandlers.LeaseJob.KIND;

    @Inject
    JobQueue queue;

    @Inject
    JobStore store;

    @Inject
    JobWorker worker;

    @Inject
    TestJobHandlers.LeaseJob handler;

    @Inject
    EntityManager em;

    @Inject
    DataSource database;

    @BeforeEach
    void reset() {
        for (String portal : List.of("leasetest-idle", "leasetest-busy", "leasetest-raced", "leasetest-a", "leasetest-b", "leasetest-c",
                "leasetest-rolled-back", "leasetest-stopping")) {
            Database.installedPortal(portal);
        }
        handler.reset();
    }

    @AfterEach
    void cleanUp() {
        // Nothing more is claimed, and what still waits for the test's go finishes, before the next test.
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                delete from job where member_id like 'leasetest-%' and (status = 'queued' or locked_by like 'leasetest-%')""")
                .executeUpdate());
        handler.go.countDown();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Database.count("select count(*) from job where member_id like 'leasetest-%' and status = 'running'") == 0);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from job where member_id like 'leasetest-%'")
                .executeUpdate());
    }

    @Test
    void anIdlePortalsFirstJobRunsHereOnceCommittedAndItsNextWaitsForIt() throws Exception {
        // A portal with a job running on another replica is not idle (and no worker here takes its next job meanwhile).
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at)
                values (:kind, 'leasetest-busy', 'running', 1, now(), 'leasetest-elsewhere', now() + interval '1 hour', now(), now())""")
                .setParameter("kind", KIND).executeUpdate());
        JobOffers offers = queue.offers(2);

        boolean[] queued = PlainTransaction.run(database, "offer jobs", connection -> {
            boolean[] taken = queue.offerAll(connection, offers, KIND,
                    List.of("leasetest-idle", "leasetest-busy", "leasetest-idle"), List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}")).queued();
            assertThat(jobs(connection, offers.worker())).containsExactly(
                    "leasetest-busy null running 1 leased to leasetest-elsewhere",
                    "leasetest-idle {\"n\":1} running 1 leased here",
                    "leasetest-busy {\"n\":2} queued 0",
                    "leasetest-idle {\"n\":3} queued 0");
            return taken;
        });
        assertThat(queued).containsExactly(true, true, true);
        assertThat(handler.started.getCount()).as("nothing runs before the commit").isEqualTo(1);

        offers.committed();
        assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
        QueuedJob first = handler.current.get();
        assertThat(first.payload()).isEqualTo("{\"n\":1}");
        assertThat(first.attempt()).isEqualTo(1);
        // While it runs, no replica's claim takes the portal's next job.
        assertThat(store.claim("leasetest-other-replica", 100, Duration.ofMinutes(1)))
                .noneMatch(job -> job.memberId().startsWith("leasetest-"));

        handler.go.countDown();
        assertThat(handler.finished.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.effect).as("the first job's lease held").isTrue();
        // The next one is claimed once the first is recorded done, and runs straight through (its go is given).
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where member_id = 'leasetest-idle' and status = 'done'") == 2);
        assertThat(handler.current.get().payload()).isEqualTo("{\"n\":3}");
    }

    @Test
    void twoTransactionsOfferingForOneIdlePortalLeaseOnlyOneJob() throws Exception {
        JobOffers firstOffers = queue.offers(1);
        JobOffers secondOffers = queue.offers(1);
        assertThat(firstOffers.slotsLeft()).isEqualTo(1);
        assertThat(secondOffers.slotsLeft()).isEqualTo(1);
        try (Connection first = database.getConnection()) {
            first.setAutoCommit(false);
            queue.offerAll(first, firstOffers, KIND, List.of("leasetest-raced"), List.of("{\"n\":1}")).queued();

            // Another writer (or replica) offers for the same portal before the first commits.
            PlainTransaction.run(database, "offer jobs", connection -> queue.offerAll(connection, secondOffers, KIND,
                    List.of("leasetest-raced"), List.of("{\"n\":2}")).queued());
            first.commit();
        }
        assertThat(Database.rows("select payload, status from job where member_id = 'leasetest-raced' order by id"))
                .extracting(row -> row.get("payload") + " " + row.get("status"))
                .containsExactly("{\"n\":1} running", "{\"n\":2} queued");

        // And one that offers after the first committed sees its job: queued too.
        JobOffers thirdOffers = queue.offers(1);
        PlainTransaction.run(database, "offer jobs", connection -> queue.offerAll(connection, thirdOffers, KIND,
                List.of("leasetest-raced"), List.of("{\"n\":3}")).queued());
        assertThat(Database.count("select count(*) from job where member_id = 'leasetest-raced' and status = 'running'"))
                .isEqualTo(1);
        secondOffers.committed();
        thirdOffers.committed();
        firstOffers.committed();
        assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.current.get().payload()).isEqualTo("{\"n\":1}");
    }

    /**
     * The intake's way: on a connection in auto-commit, the offers commit in their own round trip, and
     * the lock and the lease taken by its first statement still count for its second (one implicit
     * transaction; were they two, the lease setting would be gone and nothing would be leased).
     */
    @Test
    void inAutoCommitTheOffersCommitInTheirOwnRoundTripAndStillLease() throws Exception {
        JobOffers offers = queue.offers(1);
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(true);
            assertThat(queue.offerAll(connection, offers, KIND, List.of("leasetest-a", "leasetest-a"),
                    List.of("{\"n\":1}", "{\"n\":2}")).queued()).containsExactly(true, true);
        }
        assertThat(Database.rows("select payload, status from job where member_id = 'leasetest-a' order by id"))
                .as("committed, seen from another connection").extracting(row -> row.get("payload") + " " + row.get("status"))
                .containsExactly("{\"n\":1} running", "{\"n\":2} queued");
        offers.committed();
        assertThat(handler.started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.current.get().payload()).isEqualTo("{\"n\":1}");
    }

    @Test
    void aTransactionThatDoesNotCommitRunsNothingAndGivesItsSlotsBack() {
        int free = freeSlots();
        JobOffers offers = queue.offers(1);
        try {
            PlainTransaction.run(database, "offer jobs", connection -> {
                queue.offerAll(connection, offers, KIND, List.of("leasetest-rolled-back"), List.of("{}")).queued();
                throw new SQLException("the batch fails");
            });
        } catch (RuntimeException expected) {
            offers.abandoned();
        }
        assertThat(Database.count("select count(*) from job where member_id = 'leasetest-rolled-back'")).isZero();
        assertThat(freeSlots()).isEqualTo(free);
        assertThat(handler.started.getCount()).isEqualTo(1);
    }

    @Test
    void aJobLeasedAtInsertAsItsWorkerStopsGoesBackToTheQueueAtOnce() {
        JobRunner stopping = worker.newRunner("leasetest-stopping");
        stopping.start();
        assertThat(stopping.reserve(1)).isEqualTo(1);
        // Its batch inserted the job leased to that worker, and commits just as the worker stops.
        long id = ((Number) QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                insert into job (kind, member_id, payload, status, locked_by, locked_until, attempts, run_at, created_at, updated_at)
                values (:kind, 'leasetest-stopping', '{}', 'running', 'leasetest-stopping', now() + interval '1 minute', 1,
                        now(), now(), now())
                returning id""").setParameter("kind", TestJobHandlers.NoopJob.KIND).getSingleResult())).longValue();
        stopping.stop(Duration.ofSeconds(1));

        stopping.runLeased(stopping.leasedAtInsert(id, TestJobHandlers.NoopJob.KIND, "leasetest-stopping", "{}", null,
                Instant.now(), System.nanoTime()));

        // Not left for its lease to run out: the application's own worker takes it and runs it.
        await().atMost(Duration.ofSeconds(10)).until(() -> Database.count(
                "select count(*) from job where id = " + id + " and status = 'done' and attempts = 2") == 1);
    }

    /** How many slots this replica's worker would hold for jobs leased at insert right now. */
    private int freeSlots() {
        JobOffers offers = queue.offers(1_000);
        int free = offers.slotsLeft();
        offers.abandoned();
        return free;
    }

    /** The test's jobs as "member payload status attempts", seen inside the offering transaction. */
    private List<String> jobs(Connection connection, String worker) throws SQLException {
        List<String> jobs = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                select member_id, payload, status, attempts, locked_by, locked_until > now() + interval '30 seconds'
                from job where member_id like 'leasetest-%' order by id""");
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                String lease = row.getString(5) == null ? ""
                        : worker.equals(row.getString(5)) && row.getBoolean(6) ? " leased here" : " leased to " + row.getString(5);
                jobs.add(row.getString(1) + " " + row.getString(2) + " " + row.getString(3) + " " + row.getInt(4) + lease);
            }
        }
        return jobs;
    }
}
