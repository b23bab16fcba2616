package io.b24bots.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** What dev mode says is missing before a real portal can use the service. */
class SandboxBannerTest {

    @Test
    void addressesBitrix24CannotReachAreNamed() {
        assertThat(SandboxBanner.unreachable("http://localhost:8080")).contains("not reachable");
        assertThat(SandboxBanner.unreachable("http://127.0.0.1:8080")).contains("not reachable");
        assertThat(SandboxBanner.unreachable("http://192.168.1.20:8080")).contains("not reachable");
        assertThat(SandboxBanner.unreachable("https://b24bots.test")).contains("not reachable");
        assertThat(SandboxBanner.unreachable("http://bots.example.com")).contains("not https");
        assertThat(SandboxBanner.unreachable("not a url")).contains("not a URL");
        assertThat(SandboxBanner.unreachable("https://calm-river-42.trycloudflare.com")).isNull();
    }

    @Test
    void theDevPlaceholdersCountAsUnset() {
        SmallRyeConfig placeholders = config(Map.of("b24.client-id", "local.dev.b24bots", "b24.client-secret", "dev-only-secret",
                "b24.public-url", "http://localhost:8080"), "PropertiesConfigSource[source=application.properties]");
        assertThat(SandboxBanner.missingForRealPortal(placeholders)).hasSize(3)
                .anyMatch(line -> line.startsWith("B24_CLIENT_ID is not set"))
                .anyMatch(line -> line.startsWith("B24_CLIENT_SECRET is not set"))
                .anyMatch(line -> line.startsWith("B24_PUBLIC_URL=http://localhost:8080 is not reachable"));

        SmallRyeConfig real = config(Map.of("b24.client-id", "local.6650a1b2c3d4e5.12345678", "b24.client-secret", "s3cr3t",
                "b24.public-url", "https://calm-river-42.trycloudflare.com"), "EnvConfigSource");
        assertThat(SandboxBanner.missingForRealPortal(real)).isEmpty();
    }

    private static SmallRyeConfig config(Map<String, String> values, String sourceName) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(values, sourceName, 300)).build();
    }
}
