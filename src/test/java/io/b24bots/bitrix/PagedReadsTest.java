package io.b24bots.bitrix;

import io.b24bots.bot.Bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.b24bots.bot.administration.BotAdministration;
import io.b24bots.bot.administration.ReconcileBotsJob;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A portal answering imbot.v2.Bot.list with {@code hasNextPage: true} for ever cannot hold a job slot:
 * the reconcile job stops after a repeated page or {@code b24.rest.max-pages} (20) pages, ends without
 * a retry and leaves the bot rows alone, while a healthy portal's reconcile completes.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PagedReadsTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BotAdministration administration;

    @Test
    void theSamePageForEverEndsTheReconcile() {
        Portal endless = TestPortals.installed(bitrix);
        Portal healthy = TestPortals.installed(bitrix);
        bitrix.answerRaw(endless, "imbot.v2.Bot.list", -1, Bitrix24Emulator.rawJson(200,
                "{\"result\":{\"bots\":[{\"id\":7,\"code\":\"someone_else\"}],\"users\":[],\"hasNextPage\":true}}"));

        administration.reconcile(endless.memberId);
        administration.reconcile(healthy.memberId);
        TestPortals.awaitJobsSettled(endless);
        TestPortals.awaitJobsSettled(healthy);

        assertThat(bitrix.calls(endless.memberId, "imbot.v2.Bot.list")).hasSize(2);
        assertReconcileEndedOnce(endless, "failed");
        assertReconcileEndedOnce(healthy, "done");
        assertThat(bitrix.calls(healthy.memberId, "imbot.v2.Bot.list")).isNotEmpty();
        assertThat(bitrix.calls(healthy.memberId, "imbot.bot.list")).as("it lists other apps' bots; never trusted").isEmpty();
        // The endless portal's rows were left as they were: its bots are still registered.
        assertThat(Database.count("select count(*) from bot where member_id = ? and status = 'registered'", endless.memberId))
                .isEqualTo(Database.count("select count(*) from bot where member_id = ?", endless.memberId));
        bitrix.answerRaw(endless, "imbot.v2.Bot.list", 0, Bitrix24Emulator.rawJson(200, ""));
    }

    @Test
    void newPagesForEverStopAtTheBound() {
        Portal endless = TestPortals.installed(bitrix);
        AtomicLong ids = new AtomicLong(1000);
        bitrix.answerRaw(endless, "imbot.v2.Bot.list", -1, exchange -> {
            long id = ids.incrementAndGet();
            Bitrix24Emulator.rawJson(200, "{\"result\":{\"bots\":[{\"id\":" + id + ",\"code\":\"other_" + id
                    + "\"}],\"users\":[],\"hasNextPage\":true}}").write(exchange);
        });

        administration.reconcile(endless.memberId);
        TestPortals.awaitJobsSettled(endless);

        assertThat(bitrix.calls(endless.memberId, "imbot.v2.Bot.list")).hasSize(20);
        assertReconcileEndedOnce(endless, "failed");
        bitrix.answerRaw(endless, "imbot.v2.Bot.list", 0, Bitrix24Emulator.rawJson(200, ""));
    }

    /** Ended after one run, never retried; a paging portal's with the reason on the job row. */
    private static void assertReconcileEndedOnce(Portal portal, String status) {
        assertThat(Database.rows("select status, attempts, last_error from job where member_id = ? and kind = ?",
                portal.memberId, ReconcileBotsJob.KIND)).singleElement().satisfies(job -> {
                    assertThat(job.get("status")).isEqualTo(status);
                    if (status.equals("failed")) {
                        assertThat((String) job.get("last_error")).startsWith("TOO_MANY_PAGES");
                    }
                    assertThat(((Number) job.get("attempts")).intValue()).isEqualTo(1);
                });
    }
}
