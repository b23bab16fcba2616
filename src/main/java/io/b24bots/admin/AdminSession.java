package io.b24bots.admin;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import io.b24bots.portal.SignedTokens;
import io.b24bots.portal.TokenCipher;
import io.b24bots.web.FrameRequest;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The admin page's short-lived session: who opened it (portal, user, whether an admin), in which
 * language, until when, and the user's own Bitrix24 token from the frame, sealed (AES-GCM, this
 * service's key), so an action can ask Bitrix24 again whether the user is still an admin. Signed and
 * carried in the page's forms (POST bodies), never in a URL a proxy logs and not in a cookie, so it
 * works inside the Bitrix24 iframe with third-party cookies blocked.
 */
@ApplicationScoped
public class AdminSession {

    private static final String PURPOSE = "admin-session";

    /** A verified session; {@code userToken} is the sealed frame token (empty when the session carries none). */
    public record Session(String memberId, long userId, boolean admin, String lang, boolean https, Instant expiresAt,
            String userToken) {

        @Override
        public String toString() {
            return "Session[memberId=" + memberId + ", userId=" + userId + ", admin=" + admin + "]";
        }
    }

    private final SignedTokens signer;
    private final AdminConfig config;
    private final TokenCipher cipher;
    Clock clock = Clock.systemUTC();

    AdminSession(SignedTokens signer, AdminConfig config, TokenCipher cipher) {
        this.signer = signer;
        this.config = config;
        this.cipher = cipher;
    }

    /**
     * A session for the user whose frame token {@code authId} was proven; it ends with the session's
     * time to live or the token's own expiry ({@code authExpiresSeconds}), whichever comes first.
     */
    public String issue(String memberId, long userId, boolean admin, String lang, boolean https, String authId,
            long authExpiresSeconds) {
        Instant now = clock.instant();
        Instant ttl = now.plus(config.sessionTtl());
        Instant tokenEnds = now.plusSeconds(Math.max(0, authExpiresSeconds));
        long expires = (tokenEnds.isBefore(ttl) ? tokenEnds : ttl).getEpochSecond();
        String sealed = authId == null ? "" : Base64.getUrlEncoder().withoutPadding()
                .encodeToString(cipher.primaryKeyId().getBytes(StandardCharsets.UTF_8)) + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(cipher.seal(authId, context(memberId, userId)));
        return signer.sign(PURPOSE, String.join("|", memberId, Long.toString(userId), admin ? "1" : "0", lang,
                https ? "1" : "0", Long.toString(expires), sealed));
    }

    /** The user's frame token the session carries, opened; empty when it carries none or it cannot be opened. */
    public Optional<String> userToken(Session session) {
        String sealed = session.userToken();
        int dot = sealed == null ? -1 : sealed.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            String keyId = new String(Base64.getUrlDecoder().decode(sealed.substring(0, dot)), StandardCharsets.UTF_8);
            byte[] token = Base64.getUrlDecoder().decode(sealed.substring(dot + 1));
            return Optional.of(cipher.open(token, keyId, context(session.memberId(), session.userId())));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String context(String memberId, long userId) {
        return PURPOSE + "|" + memberId + "|" + userId;
    }

    /** The session a valid, unexpired token stands for; empty for anything forged, altered or old. */
    public Optional<Session> verify(String token) {
        return signer.verify(PURPOSE, token).flatMap(payload -> {
            String[] parts = payload.split("\\|", -1);
            if (parts.length != 7 || !FrameRequest.MEMBER_ID.matcher(parts[0]).matches()) {
                return Optional.empty();
            }
            try {
                Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[5]));
                if (!expires.isAfter(clock.instant())) {
                    return Optional.empty();
                }
                return Optional.of(new Session(parts[0], Long.parseLong(parts[1]), "1".equals(parts[2]), parts[3],
                        "1".equals(parts[4]), expires, parts[6]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }
}
