package io.b24bots.console;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses to start with console settings that would fail later or quietly: an unknown sign-in
 * mechanism, OIDC chosen but not enabled, or (in production) no shared session key while anyone can
 * sign in, which would give each replica its own key and sign operators out at every other request.
 */
@ApplicationScoped
class ConsoleSettingsCheck {

    private final ConsoleConfig config;
    private final OperatorAccounts accounts;
    private final boolean oidcEnabled;

    ConsoleSettingsCheck(ConsoleConfig config, OperatorAccounts accounts,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "true") boolean oidcEnabled) {
        this.config = config;
        this.accounts = accounts;
        this.oidcEnabled = oidcEnabled;
    }

    void check(@Observes StartupEvent event) {
        String mechanism = config.authMechanism();
        if (!"form".equals(mechanism) && !"code".equals(mechanism)) {
            throw new IllegalStateException("b24.console.auth-mechanism must be form (operator accounts) or code (OIDC), not "
                    + mechanism);
        }
        if ("code".equals(mechanism) && !oidcEnabled) {
            throw new IllegalStateException("b24.console.auth-mechanism=code signs operators in through OIDC: set "
                    + "quarkus.oidc.tenant-enabled=true with quarkus.oidc.auth-server-url, client-id and credentials.secret");
        }
        boolean anyone = accounts.any() || "code".equals(mechanism);
        String key = config.sessionKey().orElse("");
        if (anyone && LaunchMode.current() == LaunchMode.NORMAL && (key.length() < 32 || key.startsWith("change-me"))) {
            throw new IllegalStateException("B24_CONSOLE_SESSION_KEY (b24.console.session-key) must be set, at least 32 "
                    + "characters and the same on every replica, once operators can sign in to the console");
        }
    }
}
