package io.b24bots.console;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.b24bots.support.Memories;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TrustedAuthenticationRequest;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The console's form login: operator accounts from {@code b24.console.operators}, bcrypt hashes only.
 * An unknown name costs the same hash check as a known one, and an account with too many failed
 * sign-ins in a row is refused for {@code b24.console.lockout}, whatever password it is given.
 */
@ApplicationScoped
public class OperatorAccounts implements IdentityProvider<UsernamePasswordAuthenticationRequest> {

    private static final Logger LOG = Logger.getLogger(OperatorAccounts.class);

    private final Map<String, String> hashes = new LinkedHashMap<>();
    private final ConsoleConfig config;
    private final ConcurrentMap<String, AtomicInteger> failures;
    /** Checked for names that have no account, so that a wrong name takes as long as a wrong password. */
    private volatile String decoy;

    OperatorAccounts(ConsoleConfig config, DevOperator dev) {
        this.config = config;
        this.failures = Memories.bounded(10_000, config.lockout());
        for (String pair : config.operators().orElse(List.of())) {
            int colon = pair.indexOf(':');
            String name = colon > 0 ? pair.substring(0, colon).strip() : "";
            String hash = colon > 0 ? normalized(pair.substring(colon + 1).strip()) : "";
            if (name.isEmpty() || !hash.matches("\\$2[axy]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                throw new IllegalStateException("b24.console.operators: each entry must be name:bcrypt-hash "
                        + "(htpasswd -nbBC 12 name 'password' prints one); entry " + (hashes.size() + 1) + " is not");
            }
            hashes.put(name, hash);
        }
        dev.account().ifPresent(account -> hashes.putIfAbsent(account.name(), account.hash()));
    }

    /** Made at the first sign-in rather than at start: a bcrypt hash costs a start-up a tenth of a second. */
    private String decoy() {
        String made = decoy;
        if (made == null) {
            made = BcryptUtil.bcryptHash("decoy", hashes.isEmpty() ? 10 : cost(hashes.values().iterator().next()));
            decoy = made;
        }
        return made;
    }

    /** Whether the console has a form login at all. */
    public boolean any() {
        return !hashes.isEmpty();
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> verify(request.getUsername(), new String(request.getPassword().getPassword())));
    }

    private SecurityIdentity verify(String name, String password) {
        String hash = hashes.get(name);
        AtomicInteger failed = failures.get(name);
        boolean locked = failed != null && failed.get() >= config.failedLoginsAllowed();
        boolean matches = BcryptUtil.matches(password, hash == null ? decoy() : hash) && hash != null;
        if (matches && !locked) {
            failures.remove(name);
            LOG.infof("Operator %s signed in to the console", name);
            return identity(name);
        }
        if (hash != null) {
            int count = failures.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            if (count == config.failedLoginsAllowed()) {
                LOG.warnf("Operator %s: %d failed sign-ins; the account is refused for %d minutes", name, count,
                        config.lockout().toMinutes());
            }
        }
        throw new AuthenticationFailedException();
    }

    SecurityIdentity identity(String name) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(name))
                .addRole(config.operatorRole())
                .build();
    }

    /** Whether {@code name} is (still) an operator: a removed account loses its open sessions too. */
    boolean exists(String name) {
        return hashes.containsKey(name);
    }

    /** Python's and OpenBSD's {@code $2b$} is the same algorithm as {@code $2a$} for passwords Elytron accepts. */
    private static String normalized(String hash) {
        return hash.startsWith("$2b$") ? "$2a$" + hash.substring(4) : hash;
    }

    private static int cost(String hash) {
        return Integer.parseInt(hash.substring(4, 6));
    }

    /** Restores a signed-in operator from the console's sealed cookie, while the account still exists. */
    @ApplicationScoped
    static class SessionRestorer implements IdentityProvider<TrustedAuthenticationRequest> {

        private final OperatorAccounts accounts;

        SessionRestorer(OperatorAccounts accounts) {
            this.accounts = accounts;
        }

        @Override
        public Class<TrustedAuthenticationRequest> getRequestType() {
            return TrustedAuthenticationRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(TrustedAuthenticationRequest request, AuthenticationRequestContext context) {
            String name = request.getPrincipal();
            return Optional.ofNullable(name).filter(accounts::exists)
                    .map(n -> Uni.createFrom().item(accounts.identity(n)))
                    .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException()));
        }
    }
}
