package io.b24bots.bitrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.testing.TestPortals;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Portal calls over TLS: the production endpoints are all {@code https://}. The token goes only
 * inside a TLS session the JDK's trust store vouches for, and the client names the portal's host in
 * its hello (SNI), which Bitrix24's shared front ends need to pick the portal's certificate.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PortalTlsTest {

    private static final String TOKEN = "tls-test-access-token";

    final Bitrix24Emulator bitrix = TestEnvironment.emulator();

    @Inject
    BitrixClient client;

    @Inject
    PortalHttp http;

    @Test
    void theClientOpensTlsNamingThePortalHostBeforeSendingAnything() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> firstBytes = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(5_000);
                    InputStream in = socket.getInputStream();
                    ByteArrayOutputStream seen = new ByteArrayOutputStream();
                    byte[] chunk = new byte[4096];
                    // A ClientHello fits in the first record; the server then hangs up, ending the handshake.
                    int read = in.read(chunk);
                    if (read > 0) {
                        seen.write(chunk, 0, read);
                    }
                    return seen.toByteArray();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThatThrownBy(() -> client.callWithToken(portal.memberId,
                    "https://localhost:" + server.getLocalPort() + "/rest/", TOKEN, "profile", Map.of()))
                    .isInstanceOfSatisfying(BitrixException.class, e -> assertThat(e.isTransient()).isTrue());

            byte[] hello = firstBytes.get(10, TimeUnit.SECONDS);
            assertThat(hello).isNotEmpty();
            assertThat(hello[0]).as("a TLS handshake record").isEqualTo((byte) 0x16);
            String text = new String(hello, StandardCharsets.ISO_8859_1);
            assertThat(text).as("SNI names the endpoint's host").contains("localhost");
            assertThat(text).doesNotContain(TOKEN).doesNotContain("POST");
        }
    }

    /**
     * A DNS answer that changes between the endpoint check and the connection (rebinding) cannot
     * redirect the token: the call connects to the address that was checked, and still names the
     * portal's host in its hello. Here the host does not resolve at all, so only the checked address
     * can have been used.
     */
    @Test
    void aCallConnectsToTheAddressThatWasCheckedAndStillNamesTheHost() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> firstBytes = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(5_000);
                    byte[] chunk = new byte[4096];
                    int read = socket.getInputStream().read(chunk);
                    return read > 0 ? Arrays.copyOf(chunk, read) : new byte[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThatThrownBy(() -> http.post("https://portal.rebinding.invalid:" + server.getLocalPort() + "/rest/profile",
                    "{}".getBytes(StandardCharsets.UTF_8), InetAddress.getLoopbackAddress()))
                    .isInstanceOf(BitrixException.class);

            byte[] hello = firstBytes.get(10, TimeUnit.SECONDS);
            assertThat(hello[0]).as("a TLS handshake record").isEqualTo((byte) 0x16);
            assertThat(new String(hello, StandardCharsets.ISO_8859_1)).contains("portal.rebinding.invalid");
        }
    }

    @Test
    void aPortalWhoseCertificateIsNotTrustedGetsNoRequest() throws Exception {
        Portal portal = TestPortals.installed(bitrix);
        AtomicInteger requests = new AtomicInteger();
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = "{\"result\":{\"ID\":\"1\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String endpoint = "https://localhost:" + server.getAddress().getPort() + "/rest/";
            assertThatThrownBy(() -> client.callWithToken(portal.memberId, endpoint, TOKEN, "profile", Map.of()))
                    .isInstanceOf(BitrixException.class);
            assertThat(requests).hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    /** A TLS context with a fresh self-signed certificate for localhost, made by the JDK's keytool. */
    private static SSLContext selfSigned() throws Exception {
        Path store = Files.createTempDirectory("portal-tls").resolve("self-signed.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "portal", "-keyalg", "EC",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit"))
                .redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0).as("keytool made a certificate").isTrue();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }
}
