package io.b24bots.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.config.B24Config;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.StoredTokens;
import io.b24bots.testing.Bitrix24Emulator.Fault;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Database;
import io.b24bots.testing.Metrics;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

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

    @Inject
    TokenService tokens;

    @Inject
    B24Config config;

    @Test
    void fiftyConcurrentCallsWithAnExpiredTokenShareOneRefresh() throws Exception {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);

        List<String> userIds = callConcurrently(50, () -> client.call(portal.memberId, "profile", Map.of())
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
        expireStoredToken(portal);

        int before = bitrix.calls(portal.memberId, "profile").size();

        callConcurrently(20, () -> client.call(portal.memberId, "profile", Map.of()));

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

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                .isInstanceOf(PortalUnavailableException.class)
                .extracting(e -> ((PortalUnavailableException) e).status()).isEqualTo(PortalStatus.REAUTH_REQUIRED);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("reauth_required");
        int refreshes = refreshesOf(portal);

        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                    .isInstanceOf(PortalUnavailableException.class);
        }
        assertThat(refreshesOf(portal)).as("no more refresh attempts").isEqualTo(refreshes).isEqualTo(1);
    }

    @Test
    void aTransientOAuthFailureDoesNotMarkThePortal() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        bitrix.failNextOAuth(portal, "oauth/token", 1, 502, "BAD_GATEWAY");

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                .isInstanceOf(OAuthUnavailableException.class);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
    }

    /** invalid_client is this app's configuration: the operator is told, the portal stays active and works once it is fixed. */
    @Test
    void invalidClientLeavesThePortalActive() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        bitrix.failNextOAuth(portal, "oauth/token", 1, 401, "invalid_client");
        double before = Metrics.sum("b24_token_refreshes_total", "outcome=\"invalid_client\"");

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                .isInstanceOf(OAuthUnavailableException.class).hasMessageContaining("invalid_client");
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        assertThat(Metrics.sum("b24_token_refreshes_total", "outcome=\"invalid_client\"")).isEqualTo(before + 1);
        assertThat(Database.token(portal.memberId).get("refresh_in_doubt")).as("a refused client spends no grant").isEqualTo(false);

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
    }

    /** A grant without a usable answer may have spent the refresh token; the next stored pair clears the doubt. */
    @Test
    void aGrantWithoutAnAnswerLeavesTheRefreshTokenInDoubtUntilTheNextPair() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        bitrix.failNextOAuth(portal, "oauth/token", 1, 502, "BAD_GATEWAY");

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                .isInstanceOf(OAuthUnavailableException.class);
        assertThat(Database.token(portal.memberId).get("refresh_in_doubt")).isEqualTo(true);
        assertThat(Database.token(portal.memberId).get("refresh_owner")).isNull();

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        assertThat(Database.token(portal.memberId).get("refresh_in_doubt")).isEqualTo(false);
    }

    @Test
    void aRotationAnsweredAfterElevenSecondsIsStoredAndUsed() {
        Portal portal = installedPortal();
        bitrix.expireAccessTokens(portal);
        // The server rotates the pair at once but its answer arrives 11 s later.
        bitrix.failNextOAuth(portal, "oauth/token", 1, Fault.answerLost(11_000));

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");

        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
        StoredTokens stored = store.tokens(portal.memberId).orElseThrow();
        assertThat(stored.accessToken()).isEqualTo(bitrix.latestTokens(portal).accessToken());
        assertThat(stored.refreshToken()).isEqualTo(bitrix.latestTokens(portal).refreshToken());
        assertThat(Database.token(portal.memberId).get("refresh_owner")).as("lease released").isNull();

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        assertThat(refreshesOf(portal)).as("no second refresh").isEqualTo(1);
    }

    @Test
    void concurrentRefreshesHoldNoDatabaseConnectionWhileTheOAuthServerIsSlow() throws Exception {
        List<Portal> portals = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            portals.add(installedPortal());
        }
        // All at once, so the grants (callers' or the bots' pollers') overlap at the OAuth server.
        for (Portal portal : portals) {
            bitrix.failNextOAuth(portal, "oauth/token", 1, Fault.slow(6_000));
            expireStoredToken(portal);
        }
        Object[] memberIds = portals.stream().map(p -> p.memberId).toArray();
        String inList = String.join(",", Collections.nCopies(memberIds.length, "?"));
        ExecutorService sampler = Executors.newSingleThreadExecutor();
        try {
            // Samples while grants are at the OAuth server and none has been answered (from the first
            // one sent: on a loaded machine the last may arrive after the first was answered).
            Future<long[]> sampling = sampler.submit(() -> {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                        .until(() -> portals.stream().mapToInt(this::refreshesOf).sum() > 0);
                long from = System.nanoTime();
                long busiest = 0;
                long samples = 0;
                // Until the first grant is answered: after that, storing the pairs takes the rows for a moment.
                while (Database.count("select count(*) from portal_token where version > 0 and member_id in ("
                        + inList + ")", memberIds) == 0) {
                    if (System.nanoTime() > from) {
                        // Sessions parked for over a second in a transaction holding a token row (FOR UPDATE
                        // or a write): what a refresh holding its row and connection across the 6 s HTTP call
                        // looks like. Short lease and store transactions, caught between two statements on a
                        // busy machine, never stay that long; background readers only take AccessShareLock.
                        busiest = Math.max(busiest, Database.count("select count(distinct a.pid) from pg_stat_activity a"
                                + " join pg_locks l on l.pid = a.pid join pg_class c on c.oid = l.relation"
                                + " where c.relname = 'portal_token' and l.mode in ('RowShareLock', 'RowExclusiveLock')"
                                + " and a.state like 'idle in transaction%' and now() - a.xact_start > interval '1 second'"
                                + " and a.pid <> pg_backend_pid()"));
                        samples++;
                    }
                }
                return new long[] { busiest, samples };
            });
            List<String> userIds = callConcurrently(30, new Callable<>() {
                final AtomicLong next = new AtomicLong();

                @Override
                public String call() {
                    Portal portal = portals.get((int) (next.getAndIncrement() % portals.size()));
                    return client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText();
                }
            });
            long[] sampled = sampling.get(30, TimeUnit.SECONDS);

            assertThat(userIds).hasSize(30).containsOnly("1");
            assertThat(sampled[1]).as("samples taken while the grants were in flight").isPositive();
            assertThat(sampled[0]).as("connections in use while 10 grants wait for the OAuth server").isLessThan(6);
        } finally {
            sampler.shutdownNow();
        }
        assertThat(portals).allSatisfy(portal -> assertThat(refreshesOf(portal)).isEqualTo(1));
    }

    @Test
    void aCallerWaitsForTheRefreshAnotherReplicaHoldsAndUsesItsPair() throws Exception {
        Portal portal = installedPortal();
        expireStoredToken(portal);
        setLease(portal, "other-replica", "90 seconds");
        long version = store.tokens(portal.memberId).orElseThrow().version();

        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<String> call = caller.submit(() -> client.call(portal.memberId, "profile", Map.of())
                    .result().path("ID").asText());
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> !call.isDone() && refreshesOf(portal) == 0);

            // The other replica's refresh answers and it stores the new pair.
            Bitrix24Emulator.Tokens fresh = bitrix.issueTokens(portal, 1);
            boolean saved = QuarkusTransaction.requiringNew().call(() -> store.saveRefreshed(portal.memberId, version,
                    "other-replica", fresh.accessToken(), fresh.refreshToken(), Instant.now().plusSeconds(3600),
                    null, null));

            assertThat(saved).isTrue();
            assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("1");
            assertThat(refreshesOf(portal)).as("the waiting caller sent no grant").isZero();
            var calls = bitrix.calls(portal.memberId, "profile");
            assertThat(calls.get(calls.size() - 1).param("auth")).isEqualTo(fresh.accessToken());
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void aLeaseLeftByADeadReplicaExpiresAndTheNextCallerRefreshes() {
        Portal portal = installedPortal();
        expireStoredToken(portal);
        setLease(portal, "dead-replica", "1 second");

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");

        assertThat(refreshesOf(portal)).isEqualTo(1);
        assertThat(store.tokens(portal.memberId).orElseThrow().accessToken())
                .isEqualTo(bitrix.latestTokens(portal).accessToken());
        assertThat(Database.token(portal.memberId).get("refresh_owner")).isNull();
        assertThat(Database.token(portal.memberId).get("refresh_in_doubt")).as("cleared by the new pair").isEqualTo(false);
    }

    /** A lease left unreleased means its grant may have spent the token: an invalid_grant after it proves nothing. */
    @Test
    void aLeaseLeftByADeadReplicaPutsTheRefreshTokenInDoubt() {
        Portal portal = installedPortal();
        expireStoredToken(portal);
        setLease(portal, "dead-replica", "1 second");
        bitrix.revokeRefreshTokens(portal);

        assertThatThrownBy(() -> client.call(portal.memberId, "profile", Map.of()))
                .isInstanceOf(PortalUnavailableException.class);
        assertThat(Database.token(portal.memberId).get("refresh_in_doubt")).isEqualTo(true);
    }

    @Test
    void aRotatedPairIsStoredAfterTheDatabaseFailedTwice() {
        Portal portal = installedPortal();
        expireStoredToken(portal);
        // The first two attempts to store a new pair for this portal fail in the database.
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("create sequence store_failures").executeUpdate();
            em.createNativeQuery("""
                    create function fail_token_store() returns trigger language plpgsql as $$
                    begin
                        if nextval('store_failures') <= 2 then
                            raise exception 'injected failure';
                        end if;
                        return new;
                    end $$""").executeUpdate();
            em.createNativeQuery("create trigger fail_token_store before update on portal_token for each row"
                    + " when (new.version <> old.version and new.member_id = '" + portal.memberId + "')"
                    + " execute function fail_token_store()").executeUpdate();
        });
        try {
            assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        } finally {
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("drop trigger fail_token_store on portal_token").executeUpdate();
                em.createNativeQuery("drop function fail_token_store()").executeUpdate();
                em.createNativeQuery("drop sequence store_failures").executeUpdate();
            });
        }

        assertThat(Database.count("select count(*) from portal_token where member_id = ? and version = 1",
                portal.memberId)).as("stored on the third attempt").isEqualTo(1);
        assertThat(store.tokens(portal.memberId).orElseThrow().refreshToken())
                .isEqualTo(bitrix.latestTokens(portal).refreshToken());
        assertThat(refreshesOf(portal)).isEqualTo(1);
        assertThat(Database.portal(portal.memberId).get("status")).isEqualTo("active");
    }

    @Test
    void aTokenIsRememberedBrieflyThenTheRowIsReadAgain() {
        Portal portal = installedPortal();
        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        // Changed behind this replica's back, as another replica would change it.
        expireStoredTokenOnly(portal);

        assertThat(client.call(portal.memberId, "profile", Map.of()).result().path("ID").asText()).isEqualTo("1");
        assertThat(refreshesOf(portal)).as("the remembered token, still valid, was used").isZero();

        await().atMost(config.rest().tokenMemory().plusSeconds(5)).pollInterval(Duration.ofMillis(250)).until(() -> {
            client.call(portal.memberId, "profile", Map.of());
            return refreshesOf(portal) == 1;
        });
        var calls = bitrix.calls(portal.memberId, "profile");
        assertThat(calls.get(calls.size() - 1).param("auth")).isEqualTo(bitrix.latestTokens(portal).accessToken());
    }

    @Test
    void anUninstallOrReauthOnThisReplicaDropsTheRememberedToken() {
        Portal uninstalled = installedPortal();
        Portal reauth = installedPortal();
        assertThat(tokens.access(uninstalled.memberId).accessToken()).isNotBlank();
        assertThat(tokens.access(reauth.memberId).accessToken()).isNotBlank();

        QuarkusTransaction.requiringNew().run(() -> store.markUninstalled(uninstalled.memberId, false));
        QuarkusTransaction.requiringNew().run(() -> store.markReauthRequired(reauth.memberId));

        assertThatThrownBy(() -> tokens.access(uninstalled.memberId)).isInstanceOf(PortalUnavailableException.class);
        assertThatThrownBy(() -> tokens.access(reauth.memberId)).isInstanceOf(PortalUnavailableException.class)
                .extracting(e -> ((PortalUnavailableException) e).status()).isEqualTo(PortalStatus.REAUTH_REQUIRED);
        assertThatThrownBy(() -> client.call(reauth.memberId, "profile", Map.of()))
                .isInstanceOf(PortalUnavailableException.class);
    }

    /** Expires the stored token and, as if this replica's memory of it had lapsed, forgets it here. */
    private void expireStoredToken(Portal portal) {
        expireStoredTokenOnly(portal);
        tokens.forget(portal.memberId);
    }

    private void expireStoredTokenOnly(Portal portal) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update portal_token set expires_at = now() - interval '1 minute' where member_id = :m")
                .setParameter("m", portal.memberId).executeUpdate());
    }

    private void setLease(Portal portal, String owner, String length) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update portal_token set refresh_owner = :o, refresh_until = now() + cast(:l as interval) where member_id = :m")
                .setParameter("o", owner).setParameter("l", length).setParameter("m", portal.memberId).executeUpdate());
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
