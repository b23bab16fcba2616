package io.b24bots.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSourceProvider;

/**
 * In dev mode, makes the sandbox's Bitrix24 emulator a trusted OAuth server, through the normal
 * {@code b24.oauth.extra-urls} setting. The emulator's port is picked once per JVM, so live
 * reloads (which rebuild the configuration) keep trusting the emulator they restart on it.
 */
public class SandboxConfigSource implements ConfigSourceProvider {

    static final String PORT = "b24bots.sandbox.port";

    /** Below application.properties (250): a B24_OAUTH_EXTRA_URLS the user sets wins. */
    private static final int ORDINAL = 245;

    @Override
    public Iterable<ConfigSource> getConfigSources(ClassLoader forClassLoader) {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            return List.of();
        }
        return List.of(new PropertiesConfigSource(Map.of(
                "b24.oauth.extra-urls", "https://oauth.bitrix24.tech," + oauthUrl(port())),
                "b24bots-sandbox", ORDINAL));
    }

    static String oauthUrl(int port) {
        return "http://127.0.0.1:" + port + "/oauth";
    }

    static synchronized int port() {
        String chosen = System.getProperty(PORT);
        if (chosen == null) {
            try (ServerSocket socket = new ServerSocket(0)) {
                chosen = String.valueOf(socket.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException("No free port for the sandbox's Bitrix24 emulator", e);
            }
            System.setProperty(PORT, chosen);
        }
        return Integer.parseInt(chosen);
    }
}
