package io.b24bots.bot.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.b24bots.bot.handler.DialogState;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** What a bot remembers of a dialog: per portal, bot and dialog, kept for a while, never losing a concurrent change. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class DialogStatesTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    DialogStates states;

    @Test
    void aValueIsKeptPerPortalBotAndDialogUntilItExpires() {
        Portal portal = TestPortals.installed(bitrix);
        DialogState dialog = states.of(portal.memberId, "b24bots_echo", "42");

        dialog.update(old -> TextNode.valueOf("order 7"), Duration.ofSeconds(1));

        assertThat(dialog.get()).contains(TextNode.valueOf("order 7"));
        assertThat(states.of(portal.memberId, "b24bots_echo", "43").get()).isEmpty();
        assertThat(states.of(portal.memberId, "b24bots_support", "42").get()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> dialog.get().isEmpty());
        dialog.update(old -> {
            assertThat(old).as("an expired value is gone for the next writer too").isNull();
            return IntNode.valueOf(1);
        }, Duration.ofMinutes(1));
        assertThat(dialog.get()).contains(IntNode.valueOf(1));
        dialog.clear();
        assertThat(dialog.get()).isEmpty();
    }

    @Test
    void updatesAtTheSameTimeAreEachApplied() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        DialogState counter = states.of(portal.memberId, "b24bots_echo", "chat9");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                done.add(pool.submit(() -> counter.update(old -> IntNode.valueOf(old == null ? 1 : old.asInt() + 1), Duration.ofMinutes(5))));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counter.get()).contains(IntNode.valueOf(16));
    }

    @Test
    void aValueTooLargeOrKeptForNoTimeIsRefused() {
        Portal portal = TestPortals.installed(bitrix);
        DialogState dialog = states.of(portal.memberId, "b24bots_echo", "42");

        assertThatThrownBy(() -> dialog.update(old -> TextNode.valueOf("x".repeat(DialogStates.MAX_CHARS)), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dialog.update(old -> IntNode.valueOf(1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(dialog.get()).isEmpty();
    }

    @Test
    void anUninstallWithCleanForgetsThePortalsMemories() {
        Portal portal = TestPortals.installed(bitrix);
        states.of(portal.memberId, "b24bots_echo", "42").update(old -> IntNode.valueOf(3), Duration.ofMinutes(5));

        TestPortals.uninstall(bitrix, portal, true);

        assertThat(Database.count("select count(*) from dialog_state where member_id = ?", portal.memberId)).isZero();
    }
}
