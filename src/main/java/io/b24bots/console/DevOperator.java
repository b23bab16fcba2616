package io.b24bots.console;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * In dev mode without configured operators, a one-time operator {@code dev} with a random password,
 * printed in the start-up banner: the console can be tried at once, and the password is gone with the process.
 */
@ApplicationScoped
public class DevOperator {

    /** A dev operator's name and the hash of its password. */
    public record Account(String name, String hash) {
    }

    private final Optional<Account> account;
    private final String password;

    DevOperator(ConsoleConfig config) {
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT && config.operators().isEmpty()) {
            byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            account = Optional.of(new Account("dev", BcryptUtil.bcryptHash(password, 10)));
        } else {
            password = null;
            account = Optional.empty();
        }
    }

    public Optional<Account> account() {
        return account;
    }

    /** The dev operator's password, for dev mode's start-up banner; empty outside dev mode or with operators configured. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }
}
