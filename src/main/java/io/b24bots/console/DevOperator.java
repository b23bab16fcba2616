package io.b24bots.console;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import io.b24bots.config.B24Config;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * In dev mode without configured operators, a one-time operator {@code dev} with a random password,
 * printed at start: the console can be tried at once, and the password is gone with the process.
 */
@ApplicationScoped
public class DevOperator {

    private static final Logger LOG = Logger.getLogger(DevOperator.class);

    /** A dev operator's name and the hash of its password. */
    public record Account(String name, String hash) {
    }

    private final Optional<Account> account;
    private final String password;
    private final B24Config b24;

    DevOperator(ConsoleConfig config, B24Config b24) {
        this.b24 = b24;
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

    void started(@Observes StartupEvent event) {
        if (password != null) {
            LOG.infof("Operator console: %s/console, sign in as dev with password %s (this start only)",
                    b24.publicUrl(), password);
        }
    }
}
