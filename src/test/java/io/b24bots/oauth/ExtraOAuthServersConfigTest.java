package io.b24bots.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.b24bots.config.B24Config;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

/**
 * {@code b24.oauth.extra-urls} (the only list-valued setting): unset takes the default, set empty
 * ({@code B24_OAUTH_EXTRA_URLS=""}) means no extra server rather than a failed start.
 */
class ExtraOAuthServersConfigTest {

    private static final String PRIMARY = "https://oauth.bitrix.info";

    @Test
    void unsetMeansTheSecondBitrixServer() {
        B24Config config = config(Map.of());

        assertThat(config.oauth().extraUrls()).contains(List.of("https://oauth.bitrix24.tech"));
        TrustedOAuthServers servers = new TrustedOAuthServers(config);
        assertThat(servers.isTrusted(PRIMARY)).isTrue();
        assertThat(servers.isTrusted("https://oauth.bitrix24.tech")).isTrue();
    }

    @Test
    void emptyMeansNoExtraServers() {
        B24Config config = config(Map.of("b24.oauth.extra-urls", ""));

        assertThat(config.oauth().extraUrls().orElse(List.of())).isEmpty();
        TrustedOAuthServers servers = new TrustedOAuthServers(config);
        assertThat(servers.isTrusted(PRIMARY)).isTrue();
        assertThat(servers.isTrusted("https://oauth.bitrix24.tech")).isFalse();
    }

    @Test
    void aListIsTakenAsGiven() {
        B24Config config = config(Map.of("b24.oauth.extra-urls", "https://a.example,https://b.example/"));

        assertThat(config.oauth().extraUrls()).contains(List.of("https://a.example", "https://b.example/"));
        TrustedOAuthServers servers = new TrustedOAuthServers(config);
        assertThat(servers.isTrusted("https://a.example")).isTrue();
        assertThat(servers.isTrusted("https://b.example")).isTrue();
        assertThat(servers.isTrusted("https://oauth.bitrix24.tech")).isFalse();
    }

    private static B24Config config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of(
                "b24.client-id", "app.test",
                "b24.client-secret", "secret",
                "b24.public-url", "https://b24bots.test",
                "b24.token-keys", "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="));
        all.putAll(values);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(B24Config.class)
                .withConverter(MemorySize.class, 100,
                        new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
        return config.getConfigMapping(B24Config.class);
    }
}
