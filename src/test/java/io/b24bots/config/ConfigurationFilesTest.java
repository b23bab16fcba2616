package io.b24bots.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The packaged configuration holds production and dev settings only; the test profile's settings
 * live in src/test/resources/application-test.properties, which never reaches the jar.
 */
class ConfigurationFilesTest {

    @Test
    void mainConfigurationHasNoTestProfileLines() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/resources/application.properties"));
        assertThat(lines).as("move %test.* lines to src/test/resources/application-test.properties, without the prefix")
                .noneMatch(line -> line.startsWith("%test."));
    }

    @Test
    void testConfigurationNeedsNoProfilePrefix() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/application-test.properties"));
        assertThat(lines).anyMatch(line -> line.startsWith("b24.public-url="))
                .noneMatch(line -> line.startsWith("%"));
    }

    @Test
    void testApplicationPropertiesOnlyAnchorsTheProfileFile() throws IOException {
        // Quarkus finds application-test.properties only beside an application.properties; settings here
        // would apply in every profile that sees test resources, so it stays empty.
        assertThat(Files.readAllLines(Path.of("src/test/resources/application.properties")))
                .allMatch(line -> line.isBlank() || line.startsWith("#"));
    }

    @Test
    void testConfigurationIsNotPackaged() {
        assertThat(Path.of("target/classes/application.properties")).exists();
        assertThat(Path.of("target/classes/application-test.properties")).doesNotExist();
    }
}
