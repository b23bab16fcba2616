package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

import io.b24bots.jobs.JobQueue.Enqueued;
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

/** A portal with b24.jobs.max-queued-per-portal jobs queued or running gets no more through offer. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobQueueCapTest {

    private static final String KIND = TestJobHandlers.NoopJob.KIND;

    @Inject
    JobQueue queue;

    @Inject
    JobsConfig config;

    @Inject
    EntityManager em;

    @Inject
    DataSource database;

    /** The queue takes bot events of installed portals only: these made-up ones are. */
    @BeforeEach
    void portals() {
        for (String portal : List.of("captest-bytes", "captest-bytes-other", "captest-full", "captest-two-left", "captest-new",
                "captest-busy", "captest-almost", "captest-other", "captest-done")) {
            Database.installedPortal(portal);
        }
    }

    @AfterEach
    void cleanUp() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from job where member_id like 'captest-%'")
                .executeUpdate());
    }

    @Test
    void aFullPortalIsRefusedAndOthersAreNot() {
        int cap = config.maxQueuedPerPortal();
        assertThat(cap).isEqualTo(5_000);
        // Due tomorrow, so no worker runs them while the test counts.
        fill("captest-full", "queued", cap - 1);
        fill("captest-full", "running", 1);
        fill("captest-almost", "queued", cap - 1);

        QuarkusTransaction.requiringNew().run(() -> {
            assertThat(queue.offer(KIND, "captest-full", "{}", null)).isEqualTo(Enqueued.PORTAL_FULL);
            assertThat(queue.offer(KIND, "captest-almost", "{}", null)).isEqualTo(Enqueued.QUEUED);
            assertThat(queue.offer(KIND, "captest-almost", "{}", null)).isEqualTo(Enqueued.PORTAL_FULL);
            assertThat(queue.offer(KIND, "captest-other", null, null)).isEqualTo(Enqueued.QUEUED);
            assertThat(queue.offer(KIND, "captest-other", null, "same")).isEqualTo(Enqueued.QUEUED);
            assertThat(queue.offer(KIND, "captest-other", null, "same")).isEqualTo(Enqueued.DUPLICATE);
            assertThat(queue.enqueue(KIND, "captest-full", null, null)).as("the application's own work is not capped").isTrue();
            assertThat(queue.enqueue(KIND, "captest-other", null, "same")).isFalse();
        });

        assertThat(Database.count("select count(*) from job where member_id = 'captest-full'")).isEqualTo(cap + 1);
        assertThat(Database.count("select count(*) from job where member_id = 'captest-almost'")).isEqualTo(cap);
    }

    /** A few huge payloads fill a portal long before its row cap: the bytes of what waits count too. */
    @Test
    void aPortalsQueuedBytesAreCappedAsWellAsItsRows() {
        long bytesCap = config.maxQueuedBytesPerPortal().asLongValue();
        String megabyte = "{\"x\":\"" + "y".repeat(1024 * 1024) + "\"}";
        long fits = bytesCap / megabyte.length();
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < fits; i++) {
                assertThat(queue.offer(KIND, "captest-bytes", megabyte, null, Duration.ofDays(1))).isEqualTo(Enqueued.QUEUED);
            }
            assertThat(queue.offer(KIND, "captest-bytes", megabyte, null)).isEqualTo(Enqueued.PORTAL_FULL);
            assertThat(queue.offer(KIND, "captest-bytes-other", megabyte, null, Duration.ofDays(1)))
                    .isEqualTo(Enqueued.QUEUED);
        });
        boolean[] queued = inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND,
                List.of("captest-bytes", "captest-bytes-other"), List.of(megabyte, megabyte)).queued());
        assertThat(queued).containsExactly(false, true);
        Database.update("update job set run_at = now() + interval '1 day' where member_id like 'captest-bytes%'");
    }

    @Test
    void aBatchTakesWhatEachPortalHasRoomForInOrderAndRefusesOnlyTheRest() {
        int cap = config.maxQueuedPerPortal();
        fill("captest-full", "queued", cap);
        fill("captest-two-left", "queued", cap - 2);

        boolean[] queued = inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND,
                List.of("captest-two-left", "captest-full", "captest-new", "captest-two-left", "captest-two-left",
                        "captest-new"),
                List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}", "{\"n\":6}")).queued());

        assertThat(queued).containsExactly(true, false, true, true, false, true);
        assertThat(Database.count("select count(*) from job where member_id = 'captest-full'")).isEqualTo(cap);
        assertThat(Database.count("select count(*) from job where member_id = 'captest-two-left'")).isEqualTo(cap);
        assertThat(Database.rows("select payload from job where member_id in ('captest-two-left', 'captest-new')"
                + " and payload is not null order by id"))
                .as("stored in the batch's order, so a portal's jobs are claimed in arrival order")
                .extracting(row -> row.get("payload"))
                .containsExactly("{\"n\":1}", "{\"n\":3}", "{\"n\":4}", "{\"n\":6}");
        assertThat(inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND, List.of(), List.of()).queued())).isEmpty();
    }

    /**
     * A portal this replica counted a moment ago far below the cap is not counted again for a
     * second: what another replica queued meanwhile is seen at the next count, and a portal near or
     * at the cap is counted at every offer, so it is refused as soon as it is full.
     */
    @Test
    void aPortalFarBelowTheCapIsRecountedWithinASecond() {
        int cap = config.maxQueuedPerPortal();
        assertThat(inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND, List.of("captest-busy"), List.of("{}")).queued()))
                .containsExactly(true);
        // Another replica fills the portal's queue.
        fill("captest-busy", "queued", cap);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> !inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND, List.of("captest-busy"),
                        List.of("{}")).queued())[0]);
        long stored = Database.count("select count(*) from job where member_id = 'captest-busy'");
        assertThat(stored - 1 - cap).as("offers taken before the recount").isLessThanOrEqualTo(15);
        // Full now, and counted at every offer from here on.
        assertThat(inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND, List.of("captest-busy"), List.of("{}")).queued()))
                .containsExactly(false);

        // Its backlog drains: the next offer is taken at once, never refused on the old count.
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from job where member_id = 'captest-busy'")
                .executeUpdate());
        assertThat(inTransaction(connection -> queue.offerAll(connection, queuedOnly(), KIND, List.of("captest-busy"), List.of("{}")).queued()))
                .containsExactly(true);
    }

    @Test
    void finishedJobsDoNotCount() {
        fill("captest-done", "done", config.maxQueuedPerPortal());
        fill("captest-done", "failed", 1);
        assertThat(QuarkusTransaction.requiringNew().call(() -> queue.offer(KIND, "captest-done", null, null)))
                .isEqualTo(Enqueued.QUEUED);
    }

    private void fill(String memberId, String status, int count) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, created_at, updated_at)
                select :kind, :member, :status, 0, now() + interval '1 day',
                       case when :status = 'running' then 'captest-replica' end,
                       case when :status = 'running' then now() + interval '1 hour' end, now(), now()
                from generate_series(1, :count)
                """).setParameter("kind", KIND).setParameter("member", memberId).setParameter("status", status)
                .setParameter("count", count).executeUpdate());
    }

    /** An event delivered twice in one burst: its first copy is taken, the others are duplicates, neither queued nor refused. */
    @Test
    void aKeyOfferedTwiceInOneBatchIsTakenAtItsFirstPlaceOnly() {
        byte[] once = "captest-key-1".getBytes(StandardCharsets.UTF_8);
        byte[] other = "captest-key-2".getBytes(StandardCharsets.UTF_8);
        List<String> portals = List.of("captest-new", "captest-other", "captest-new", "captest-new", "captest-other");
        List<String> payloads = List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}", "{\"n\":5}");
        List<byte[]> keys = Arrays.asList(once, other, once.clone(), null, null);
        try {
            JobQueue.Offered first = PlainTransaction.run(database, "offer jobs", connection -> queue.offerAll(connection,
                    queuedOnly(), KIND, portals, payloads, Collections.nCopies(5, null), keys));

            assertThat(first.queued()).containsExactly(true, true, false, true, true);
            assertThat(first.refused()).containsOnly(false);
            assertThat(Database.rows("select payload from job where member_id = 'captest-new' order by id"))
                    .extracting(row -> row.get("payload")).containsExactly("{\"n\":1}", "{\"n\":4}");

            JobQueue.Offered again = PlainTransaction.run(database, "offer jobs", connection -> queue.offerAll(connection,
                    queuedOnly(), KIND, portals, payloads, Collections.nCopies(5, null), keys));

            assertThat(again.queued()).as("the keys are marked; offers without one are new each time")
                    .containsExactly(false, false, false, true, true);
            assertThat(again.refused()).containsOnly(false);
        } finally {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "delete from event_dedup where hash in (:one, :two)").setParameter("one", once).setParameter("two", other)
                    .executeUpdate());
        }
    }

    /** Offers with no slot of a worker held, so every job taken is queued (JobLeaseAtInsertTest has the others). */
    private static JobOffers queuedOnly() {
        return new JobOffers(null, 0, null);
    }

    /** offerAll's caller owns a plain JDBC transaction, as the event intake does. */
    private boolean[] inTransaction(PlainTransaction.Work<boolean[]> work) {
        return PlainTransaction.run(database, "offer jobs", work);
    }
}
