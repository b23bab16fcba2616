package io.b24bots.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The console's CSRF tokens: every form carries an HMAC of the operator's name and the day, which a
 * page on another site cannot compute; an action whose token does not match is refused with 403
 * before anything changes. Tokens of yesterday are still taken, so a page left open overnight works.
 * (The login cookie is also {@code SameSite=Strict}: this is the second lock, not the only one.)
 */
@ApplicationScoped
public class ConsoleCsrf {

    private final byte[] key;

    ConsoleCsrf(ConsoleConfig config) {
        this.key = config.sessionKey().map(k -> hmac(k.getBytes(StandardCharsets.UTF_8), "b24bots console csrf"))
                .orElseGet(() -> {
                    // One replica without a configured key (dev, tests): its own random key.
                    byte[] random = new byte[32];
                    new SecureRandom().nextBytes(random);
                    return random;
                });
    }

    /** The token {@code operator}'s forms carry today. */
    public String tokenFor(String operator) {
        return token(operator, LocalDate.now(ZoneOffset.UTC));
    }

    /** Refuses (403) unless {@code token} is {@code operator}'s token of today or yesterday. */
    public void check(String operator, String token) {
        if (token == null || operator == null) {
            throw Refusal.forbidden("The form has no CSRF token: open the console page again and repeat the action.");
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        byte[] given = token.getBytes(StandardCharsets.US_ASCII);
        boolean valid = MessageDigest.isEqual(given, token(operator, today).getBytes(StandardCharsets.US_ASCII))
                | MessageDigest.isEqual(given, token(operator, today.minusDays(1)).getBytes(StandardCharsets.US_ASCII));
        if (!valid) {
            throw Refusal.forbidden("The form's CSRF token is not valid for you: open the console page again and repeat the action.");
        }
    }

    private String token(String operator, LocalDate day) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, operator + "\n" + day));
    }

    private static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
