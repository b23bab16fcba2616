package io.b24bots.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.StoredTokens;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class TokenRefreshTest {

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Inject
    PortalStore store;

    @Inject
    EntityManager em;

    @Test
    void fiftyConcurrentCallsWithAnExpiredTokenShareOneRefresh() throws Exception {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);

        List<String> userIds = callConcurrently(50, () -> client.call(portal.memberId, "profile", java.util.Map.of())
                .result().path("ID").asText());

        assertThat(userIds).hasSize(50).containsOnly("1");
        assertThat(refreshesOf(portal)).isEqualTo(1);
        StoredTokens stored = store.tokens(portal.memberId).orElseThrow();
        assertThat(stored.version()).isEqualTo(1);
        assertThat(stored.accessToken()).isEqualTo(bitrix.latestTokens(portal).accessToken());
        assertThat(stored.refreshToken()).isEqualTo(bitrix.latestTokens(portal).refreshToken());
    }

    @Test
    void aTokenKnownToBeExpiredIsRefreshedOnceBeforeTheCall() throws Exception {
        Portal portal = installedPortal();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update portal_token set expires_at = now() - interval '1 minute' where member_id = :m")
                .setParameter("m", portal.memberId).executeUpdate());

        int before = bitrix.calls(portal.memberId, "profile").size();

        callConcurrently(20, () -> client.call(portal.memberId, "profile", java.util.Map.of()));

        assertThat(refreshesOf(portal)).isEqualTo(1);
        var calls = bitrix.calls(portal.memberId, "profile");
        assertThat(calls.subList(before, calls.size())).hasSize(20)
                .allSatisfy(c -> assertThat(c.param("auth")).isEqualTo(bitrix.latestTokens(portal).accessToken()));
    }

    @Test
    void invalidGrantMarksThePortalAndStopsTrying() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        bitrix.revokeRefreshTokens(portal);

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", java.util.Map.of()))
                .isInstanceOf(PortalUnavailableException.class)
                .extracting(e -> ((PortalUnavailableException) e).status()).isEqualTo(PortalStatus.REAUTH_REQUIRED);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("reauth_required");
        int refreshes = refreshesOf(portal);

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> client.call(portal.memberId, "profile", java.util.Map.of()))
                    .isInstanceOf(PortalUnavailableException.class);
        }
        assertThat(refreshesOf(portal)).as("no more refresh attempts").isEqualTo(refreshes).isEqualTo(1);
    }

    @Test
    void aTransientOAuthFailureDoesNotMarkThePortal() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        bitrix.failNextOAuth(portal, "oauth/token", 1, 502, "BAD_GATEWAY");

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", java.util.Map.of()))
                .isInstanceOf(OAuthUnavailableException.class);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");

        assertThat(client.call(portal.memberId, "profile", java.util.Map.of()).result().path("ID").asText()).isEqualTo("1");
    }

    private Portal installedPortal() {
        return TestPortals.installed(bitrix);
    }

    private int refreshesOf(Portal portal) {
        return bitrix.refreshes(portal).size();
    }

    private static <T> List<T> callConcurrently(int n, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
