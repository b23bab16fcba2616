package io.b24bots.install;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import io.b24bots.config.B24Config;
import io.b24bots.portal.TokenCipher;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The OAuth {@code state}: the portal domain it was issued for and an expiry, signed with HMAC,
 * so the callback needs no server-side session and a state cannot be moved to another portal.
 */
@ApplicationScoped
public class OAuthState {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecureRandom random = new SecureRandom();
    private final TokenCipher cipher;
    private final B24Config config;
    Clock clock = Clock.systemUTC();

    OAuthState(TokenCipher cipher, B24Config config) {
        this.cipher = cipher;
        this.config = config;
    }

    public String issue(String domain) {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        long expires = clock.instant().plus(config.oauth().stateTtl()).getEpochSecond();
        String payload = "1|" + domain.toLowerCase(Locale.ROOT) + "|" + expires + "|" + ENCODER.encodeToString(nonce);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(cipher.sign(bytes));
    }

    /** The domain a valid, unexpired state was issued for; empty for anything else. */
    public Optional<String> verify(String state) {
        if (state == null || state.length() > 512) {
            return Optional.empty();
        }
        int dot = state.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = DECODER.decode(state.substring(0, dot));
            signature = DECODER.decode(state.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!cipher.verify(payload, signature)) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|");
        if (parts.length != 4 || !"1".equals(parts[0])) {
            return Optional.empty();
        }
        long expires;
        try {
            expires = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Instant.ofEpochSecond(expires).isAfter(clock.instant()) ? Optional.of(parts[1]) : Optional.empty();
    }
}
