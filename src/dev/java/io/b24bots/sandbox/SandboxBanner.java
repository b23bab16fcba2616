package io.b24bots.sandbox;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.b24bots.console.DevOperator;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.ConfigValue;
import org.jboss.logging.Logger;

/**
 * Once dev mode is ready, prints the addresses a person needs and what is still missing before a
 * real Bitrix24 portal can use this service, so nobody has to find out from a 401 later.
 */
@ApplicationScoped
public class SandboxBanner {

    private static final Logger LOG = Logger.getLogger(SandboxBanner.class);

    private final DevOperator operator;

    SandboxBanner(DevOperator operator) {
        this.operator = operator;
    }

    void ready(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            return;
        }
        Config config = ConfigProvider.getConfig();
        String host = config.getOptionalValue("quarkus.http.host", String.class).orElse("localhost");
        int port = config.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        String base = "http://" + ("0.0.0.0".equals(host) ? "localhost" : host) + ":" + port;
        StringBuilder text = new StringBuilder("\n\n  b24bots is running in dev mode\n")
                .append("    Sandbox portal (no Bitrix24 account needed): ").append(base).append("/dev/portal\n")
                .append("    Admin page (opens inside a portal's frame):  ").append(base).append("/b24/app\n")
                .append("    Operator console:                            ").append(base).append("/console")
                .append(operator.password().map(password -> " (user dev, password " + password + ", this start only)").orElse(""))
                .append('\n')
                .append("    Metrics:                                     ").append(base).append("/q/metrics\n");
        List<String> missing = missingForRealPortal(config);
        if (missing.isEmpty()) {
            text.append("  Real portal: settings look complete; install the app from your portal's app card.\n");
        } else {
            text.append("  Before a real Bitrix24 portal can use it (README \"A real portal, step by step\"):\n");
            missing.forEach(line -> text.append("    - ").append(line).append('\n'));
        }
        LOG.info(text);
    }

    /** What a real portal still needs, judged from where each setting came from and what it says. */
    static List<String> missingForRealPortal(Config config) {
        List<String> missing = new ArrayList<>();
        if (fromDefaults(config.getConfigValue("b24.client-id"))) {
            missing.add("B24_CLIENT_ID is not set (the application id from your local app's card)");
        }
        if (fromDefaults(config.getConfigValue("b24.client-secret"))) {
            missing.add("B24_CLIENT_SECRET is not set (the application key from the same card)");
        }
        String publicUrl = config.getOptionalValue("b24.public-url", String.class).orElse("");
        String unreachable = unreachable(publicUrl);
        if (unreachable != null) {
            missing.add("B24_PUBLIC_URL=" + publicUrl + " " + unreachable
                    + ": Bitrix24's servers POST bot events there. Use a tunnel's https URL, or fetch-mode bots only");
        }
        return missing;
    }

    /** A value nobody set: the dev profile's placeholder in application.properties. */
    private static boolean fromDefaults(ConfigValue value) {
        return value == null || value.getValue() == null || value.getValue().isBlank()
                || value.getSourceName() != null && value.getSourceName().contains("application.properties");
    }

    /** Why Bitrix24's servers cannot reach this URL, or null when they might. */
    static String unreachable(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "is not a URL";
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            return "is not a URL";
        }
        if (host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("0.0.0.0")
                || host.startsWith("10.") || host.startsWith("192.168.") || host.matches("172\\.(1[6-9]|2[0-9]|3[01])\\..*")
                || host.equals("[::1]") || host.endsWith(".local") || host.endsWith(".test")) {
            return "is not reachable from the internet";
        }
        if (!"https".equals(uri.getScheme())) {
            return "is not https";
        }
        return null;
    }
}
