package io.b24bots.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A handler that takes a busy portal's jobs in one run gets the jobs after the one it claimed, in
 * queue order, of its own kind and due now only, and their outcomes are recorded only while the
 * leases are still this worker's.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class JobGroupTest {

    private static final String PORTAL = "grouptest-portal";
    private static final String KIND = "test-group";
    private static final Duration LEASE = Duration.ofMinutes(1);

    @Inject
    JobStore store;

    @AfterEach
    void cleanUp() {
        Database.update("delete from job where member_id = ?", PORTAL);
    }

    @Test
    void followersAreTheSamePortalsNextDueJobsOfTheSameKindInOrder() {
        long head = insert(KIND, "-10 seconds", "running", "worker-a", 1);
        long second = insert(KIND, "-9 seconds", "queued", null, 0);
        insert("test-other", "-8 seconds", "queued", null, 0);
        long fourth = insert(KIND, "-7 seconds", "queued", null, 0);
        long older = insert(KIND, "-20 seconds", "queued", null, 0);
        insert(KIND, "+1 hour", "queued", null, 0);
        long fifth = insert(KIND, "-6 seconds", "queued", null, 0);

        List<QueuedJob> followers = store.claimFollowers("worker-a", List.of(job(head, "worker-a", 1)), 2, LEASE);

        assertThat(followers).extracting(QueuedJob::id).containsExactly(second, fourth);
        assertThat(followers).allSatisfy(job -> assertThat(job.attempt()).isEqualTo(1));
        assertThat(Database.count("select count(*) from job where id in (?, ?) and status = 'running' and locked_by = 'worker-a'",
                second, fourth)).isEqualTo(2);
        // Not taken: beyond the limit, before the head (it keeps its place), another kind, not yet due.
        assertThat(Database.count("select count(*) from job where member_id = ? and status = 'queued'", PORTAL)).isEqualTo(4);
        assertThat(Database.count("select count(*) from job where id in (?, ?) and status = 'queued'", fifth, older)).isEqualTo(2);
    }

    @Test
    void aWorkerThatLostTheHeadTakesNoFollowers() {
        long head = insert(KIND, "-10 seconds", "running", "worker-b", 2);
        insert(KIND, "-9 seconds", "queued", null, 0);

        assertThat(store.claimFollowers("worker-a", List.of(job(head, "worker-a", 1)), 10, LEASE)).isEmpty();
    }

    @Test
    void outcomesOfAGroupAreRecordedOnlyForLeasesStillHeld() {
        long mine = insert(KIND, "-10 seconds", "running", "worker-a", 1);
        long takenOver = insert(KIND, "-9 seconds", "running", "worker-b", 2);
        QueuedJob first = job(mine, "worker-a", 1);
        QueuedJob stale = job(takenOver, "worker-a", 1);

        assertThat(store.renewAll("worker-a", List.of(first, stale), LEASE)).containsExactly(mine);
        assertThat(QueuedJob.confirmLeases(List.of(first, stale))).containsExactly(stale);
        assertThat(store.completeAll("worker-a", List.of(first, stale))).containsExactly(mine);
        assertThat(Database.count("select count(*) from job where id = ? and status = 'done'", mine)).isEqualTo(1);
        assertThat(Database.count("select count(*) from job where id = ? and status = 'running' and locked_by = 'worker-b'",
                takenOver)).isEqualTo(1);
    }

    @Test
    void finishedJobsOfAKindThatKeepsNoneAreDeletedTheOthersMarkedDone() {
        long kept = insert(KIND, "-10 seconds", "running", "worker-a", 1);
        long dropped = insert(KIND, "-9 seconds", "running", "worker-a", 1);
        long droppedButTakenOver = insert(KIND, "-8 seconds", "running", "worker-b", 2);
        QueuedJob keep = job(kept, "worker-a", 1);
        QueuedJob drop = job(dropped, "worker-a", 1);
        QueuedJob stale = job(droppedButTakenOver, "worker-a", 1);
        drop.deleteWhenDone();
        stale.deleteWhenDone();

        assertThat(store.completeAll("worker-a", List.of(keep, drop, stale))).containsExactlyInAnyOrder(kept, dropped);
        assertThat(Database.count("select count(*) from job where id = ? and status = 'done'", kept)).isEqualTo(1);
        assertThat(Database.count("select count(*) from job where id = ?", dropped)).isZero();
        assertThat(Database.count("select count(*) from job where id = ? and status = 'running' and locked_by = 'worker-b'",
                droppedButTakenOver)).as("the lease fences a delete as it fences an update").isEqualTo(1);
    }

    /** A job leased a whole lease ago by this process's clock, so only the database can confirm it. */
    private QueuedJob job(long id, String worker, int attempt) {
        return new QueuedJob(id, KIND, PORTAL, "{}", null, attempt, Instant.now(), store, worker, LEASE,
                System.nanoTime() - LEASE.toNanos());
    }

    private static long insert(String kind, String runAt, String status, String lockedBy, int attempts) {
        return Database.count("""
                insert into job (kind, member_id, status, attempts, run_at, locked_by, locked_until, payload, created_at, updated_at)
                values (?, ?, ?, ?, now() + ?::interval, ?::text, case when ?::text is null then null else now() + interval '1 minute' end,
                        '{}', now(), now()) returning id""", kind, PORTAL, status, attempts, runAt, lockedBy, lockedBy);
    }
}
