package io.b24bots.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import io.b24bots.portal.TokenCipher;
import io.b24bots.web.FrameRequest;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The admin page's short-lived session: who opened it (portal, user, whether an admin), in which
 * language, until when. Signed with HMAC and carried in the page's forms and links, not in a
 * cookie, so it works inside the Bitrix24 iframe with third-party cookies blocked.
 */
@ApplicationScoped
public class AdminSession {

    private static final String PURPOSE = "b24bots admin session|";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** A verified session. */
    public record Session(String memberId, long userId, boolean admin, String lang, boolean https, Instant expiresAt) {
    }

    private final TokenCipher cipher;
    private final AdminConfig config;
    Clock clock = Clock.systemUTC();

    AdminSession(TokenCipher cipher, AdminConfig config) {
        this.cipher = cipher;
        this.config = config;
    }

    public String issue(String memberId, long userId, boolean admin, String lang, boolean https) {
        long expires = clock.instant().plus(config.sessionTtl()).getEpochSecond();
        String payload = String.join("|", "1", memberId, Long.toString(userId), admin ? "1" : "0", lang,
                https ? "1" : "0", Long.toString(expires));
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(cipher.sign(signed(bytes)));
    }

    /** The session a valid, unexpired token stands for; empty for anything forged, altered or old. */
    public Optional<Session> verify(String token) {
        if (token == null || token.length() > 600) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = DECODER.decode(token.substring(0, dot));
            signature = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!cipher.verify(signed(payload), signature)) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|");
        if (parts.length != 7 || !"1".equals(parts[0]) || !FrameRequest.MEMBER_ID.matcher(parts[1]).matches()) {
            return Optional.empty();
        }
        try {
            Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[6]));
            if (!expires.isAfter(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(new Session(parts[1], Long.parseLong(parts[2]), "1".equals(parts[3]), parts[4],
                    "1".equals(parts[5]), expires));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A purpose prefix, so no other signed value (an OAuth state) can pass as a session. */
    private static byte[] signed(byte[] payload) {
        byte[] purpose = PURPOSE.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[purpose.length + payload.length];
        System.arraycopy(purpose, 0, all, 0, purpose.length);
        System.arraycopy(payload, 0, all, purpose.length, payload.length);
        return all;
    }
}
