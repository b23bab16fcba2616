package io.b24bots.portal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Short values the service hands out and must recognise later without storing them (the OAuth
 * {@code state}, the admin page's session): {@code base64url(payload).base64url(HMAC)}. The purpose
 * is signed along, so a value made for one use never passes for another.
 */
@ApplicationScoped
public class SignedTokens {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAX_LENGTH = 1024;

    private final TokenCipher cipher;

    SignedTokens(TokenCipher cipher) {
        this.cipher = cipher;
    }

    public String sign(String purpose, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(cipher.sign(signed(purpose, bytes)));
    }

    /** The payload of a token this service signed for {@code purpose}; empty for anything else. */
    public Optional<String> verify(String purpose, String token) {
        if (token == null || token.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            byte[] payload = DECODER.decode(token.substring(0, dot));
            byte[] signature = DECODER.decode(token.substring(dot + 1));
            return cipher.verify(signed(purpose, payload), signature)
                    ? Optional.of(new String(payload, StandardCharsets.UTF_8))
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] signed(String purpose, byte[] payload) {
        byte[] prefix = (purpose + "|").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[prefix.length + payload.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(payload, 0, all, prefix.length, payload.length);
        return all;
    }
}
