package io.b24bots.console;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;

import io.b24bots.portal.TokenCipher;
import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The console's CSRF tokens: every form carries a signature of the operator's name and the day, made
 * with the service's signing keys ({@link TokenCipher}, the same on every replica and rotated with
 * {@code B24_TOKEN_KEYS}), which a page on another site cannot compute; an action whose token does not
 * match is refused with 403 before anything changes. Tokens of yesterday are still taken, so a page left
 * open overnight works. (The login cookie is also {@code SameSite=Strict}: this is the second lock.)
 */
@ApplicationScoped
public class ConsoleCsrf {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final TokenCipher cipher;

    ConsoleCsrf(TokenCipher cipher) {
        this.cipher = cipher;
    }

    /** The token {@code operator}'s forms carry today. */
    public String tokenFor(String operator) {
        return ENCODER.encodeToString(cipher.sign(signed(operator, LocalDate.now(ZoneOffset.UTC))));
    }

    /** Refuses (403) unless {@code token} is {@code operator}'s token of today or yesterday. */
    public void check(String operator, String token) {
        if (token == null || operator == null) {
            throw Refusal.forbidden("The form has no CSRF token: open the console page again and repeat the action.");
        }
        byte[] signature;
        try {
            signature = token.length() > 128 ? null : DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            signature = null;
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        boolean valid = signature != null && (cipher.verify(signed(operator, today), signature)
                | cipher.verify(signed(operator, today.minusDays(1)), signature));
        if (!valid) {
            throw Refusal.forbidden("The form's CSRF token is not valid for you: open the console page again and repeat the action.");
        }
    }

    private static byte[] signed(String operator, LocalDate day) {
        return ("console-csrf|" + operator + "|" + day).getBytes(StandardCharsets.UTF_8);
    }
}
