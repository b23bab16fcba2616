package io.b24bots.console;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The operator console ({@code b24.console.*}); how operators sign in is in docs/CONSOLE.md. */
@ConfigMapping(prefix = "b24.console")
public interface ConsoleConfig {

    /**
     * Operator accounts for the form login, {@code name:bcrypt-hash} pairs separated by commas
     * ({@code htpasswd -nbBC 12 alice 'password'} prints one). Empty: no form login.
     */
    Optional<List<String>> operators();

    /** The role an identity needs to enter; form operators have it, OIDC users get it from their groups or roles. */
    @WithDefault("b24bots-operator")
    String operatorRole();

    /**
     * Seals the console's login cookie, at least 32 characters, the same on every
     * replica ({@code B24_CONSOLE_SESSION_KEY}). Required in production once operators or OIDC are set.
     */
    Optional<String> sessionKey();

    /** Failed sign-ins one account may have per {@link #lockout()} before it is refused even the right password. */
    @WithDefault("10")
    int failedLoginsAllowed();

    @WithDefault("PT15M")
    Duration lockout();

    /**
     * How operators sign in: {@code form} (the accounts of {@link #operators()}) or {@code code} (OIDC
     * authorization code flow against {@code quarkus.oidc.*}, which must then be enabled).
     */
    @WithDefault("form")
    String authMechanism();

    /** Rows per page in the console's lists. */
    @WithDefault("50")
    int pageSize();
}
