package io.b24bots.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.b24bots.config.B24Config;
import io.b24bots.portal.SignedTokens;
import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class OAuthStateTest {

    @Inject
    SignedTokens signer;

    @Inject
    B24Config config;

    @Test
    void aStateIsBoundToItsDomainAndExpires() {
        OAuthState states = new OAuthState(signer, config);
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        states.clock = Clock.fixed(now, ZoneOffset.UTC);
        String state = states.issue("Portal.Bitrix24.test");

        assertThat(states.verify(state)).contains("portal.bitrix24.test");

        states.clock = Clock.fixed(now.plus(config.oauth().stateTtl()).plus(Duration.ofSeconds(1)), ZoneOffset.UTC);
        assertThat(states.verify(state)).isEmpty();
    }

    @Test
    void aValueSignedForAnotherPurposeIsNotAState() {
        OAuthState states = new OAuthState(signer, config);
        String sessionLike = signer.sign("admin-session", "portal.bitrix24.test|9999999999|00");
        assertThat(states.verify(sessionLike)).isEmpty();
        assertThat(signer.verify("admin-session", states.issue("portal.bitrix24.test"))).isEmpty();
    }
}
