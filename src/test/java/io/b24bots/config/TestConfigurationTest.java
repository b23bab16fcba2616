package io.b24bots.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.b24bots.testing.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The test profile reads application-test.properties, and its values beat the main file's defaults. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class TestConfigurationTest {

    @Test
    void testSettingsOverrideTheMainDefaults() {
        Config config = ConfigProvider.getConfig();

        // 60000 in src/main/resources/application.properties.
        assertThat(config.getConfigValue("quarkus.rest-client.b24-oauth-token.read-timeout").getValue()).isEqualTo("15000");
        assertThat(config.getConfigValue("b24.rest.read-timeout").getSourceName())
                .endsWith("application-test.properties]");
        assertThat(config.getValue("b24.public-url", String.class)).isEqualTo("http://b24bots.test");
    }
}
