package io.b24bots.install;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

import io.b24bots.config.B24Config;
import io.b24bots.portal.SignedTokens;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The OAuth {@code state}: the portal domain it was issued for and an expiry, signed, so the
 * callback needs no server-side session and a state cannot be moved to another portal.
 */
@ApplicationScoped
public class OAuthState {

    private static final String PURPOSE = "oauth-state";

    private final SecureRandom random = new SecureRandom();
    private final SignedTokens signer;
    private final B24Config config;
    Clock clock = Clock.systemUTC();

    OAuthState(SignedTokens signer, B24Config config) {
        this.signer = signer;
        this.config = config;
    }

    public String issue(String domain) {
        byte[] nonce = new byte[8];
        random.nextBytes(nonce);
        long expires = clock.instant().plus(config.oauth().stateTtl()).getEpochSecond();
        return signer.sign(PURPOSE, String.join("|", domain.toLowerCase(Locale.ROOT), Long.toString(expires),
                HexFormat.of().formatHex(nonce)));
    }

    /** The domain a valid, unexpired state was issued for; empty for anything else. */
    public Optional<String> verify(String state) {
        return signer.verify(PURPOSE, state).flatMap(payload -> {
            String[] parts = payload.split("\\|");
            if (parts.length != 3) {
                return Optional.empty();
            }
            try {
                boolean valid = Instant.ofEpochSecond(Long.parseLong(parts[1])).isAfter(clock.instant());
                return valid ? Optional.of(parts[0]) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }
}
