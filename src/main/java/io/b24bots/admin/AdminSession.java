package io.b24bots.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import io.b24bots.portal.SignedTokens;
import io.b24bots.web.FrameRequest;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The admin page's short-lived session: who opened it (portal, user, whether an admin), in which
 * language, until when. Signed and carried in the page's forms and links, not in a cookie, so it
 * works inside the Bitrix24 iframe with third-party cookies blocked.
 */
@ApplicationScoped
public class AdminSession {

    private static final String PURPOSE = "admin-session";

    /** A verified session. */
    public record Session(String memberId, long userId, boolean admin, String lang, boolean https, Instant expiresAt) {
    }

    private final SignedTokens signer;
    private final AdminConfig config;
    Clock clock = Clock.systemUTC();

    AdminSession(SignedTokens signer, AdminConfig config) {
        this.signer = signer;
        this.config = config;
    }

    public String issue(String memberId, long userId, boolean admin, String lang, boolean https) {
        long expires = clock.instant().plus(config.sessionTtl()).getEpochSecond();
        return signer.sign(PURPOSE, String.join("|", memberId, Long.toString(userId), admin ? "1" : "0", lang,
                https ? "1" : "0", Long.toString(expires)));
    }

    /** The session a valid, unexpired token stands for; empty for anything forged, altered or old. */
    public Optional<Session> verify(String token) {
        return signer.verify(PURPOSE, token).flatMap(payload -> {
            String[] parts = payload.split("\\|");
            if (parts.length != 6 || !FrameRequest.MEMBER_ID.matcher(parts[0]).matches()) {
                return Optional.empty();
            }
            try {
                Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[5]));
                if (!expires.isAfter(clock.instant())) {
                    return Optional.empty();
                }
                return Optional.of(new Session(parts[0], Long.parseLong(parts[1]), "1".equals(parts[2]), parts[3],
                        "1".equals(parts[4]), expires));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }
}
