package io.b24bots.events;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

import io.b24bots.config.B24Config;
import io.b24bots.oauth.AppInfo;
import io.b24bots.oauth.OAuthClient;
import io.b24bots.oauth.OAuthRejectedException;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.TrustedOAuthServers;
import io.b24bots.portal.TokenCipher;
import io.b24bots.support.Memories;
import io.b24bots.support.TokenBuckets;
import io.b24bots.web.ClientAddress;
import io.b24bots.web.FormData;
import io.b24bots.web.Refusal;
import jakarta.inject.Singleton;

/**
 * Proves a bot event by the OAuth tokens Bitrix24 put inside it, which no portal user ever sees:
 * the bot's own token (v1 {@code data[BOT][<id>]}, v2 {@code data[bot][auth]}) and, for a v1
 * message, the author's token in {@code auth}. A token counts once the trusted OAuth server's
 * {@code app.info} names our client id, this portal and the expected user. The application token
 * alone is not enough: every portal user can read it in the app's frame.
 *
 * <p>Proofs are cached by a hash of the token until it expires, so a busy bot costs one
 * {@code app.info} per token and replica, not one per event; refusals are cached briefly, and new
 * proofs per portal and sending address are rate-limited, so a hostile portal user posting random
 * tokens cannot make the service call the OAuth server without limit, nor spend the budget of the
 * genuine events Bitrix24 delivers to the same portal.
 */
@Singleton
public class BotEventProof {

    /** Bitrix24 tokens live an hour; a cached proof never outlives that. */
    static final Duration MAX_PROOF_AGE = Duration.ofHours(1);
    static final Duration REFUSAL_MEMORY = Duration.ofMinutes(1);
    private static final int CACHE_LIMIT = 200_000;

    /** A token the OAuth server vouched for: whose it is and until when we believe it. */
    private record Proven(String memberId, long userId, Instant until) {
    }

    private final OAuthClient oauth;
    private final TrustedOAuthServers servers;
    private final B24Config config;
    private final EventRefusals refusals;
    private final TokenBuckets limiter;
    private final ClientAddress client;
    /** Proofs are cheap to redo: a flood of distinct tokens only pushes out the least used ones. */
    private final Map<String, Proven> proven = Memories.bounded(CACHE_LIMIT, MAX_PROOF_AGE);
    private final Map<String, Instant> refused = Memories.bounded(CACHE_LIMIT, REFUSAL_MEMORY);

    BotEventProof(OAuthClient oauth, TrustedOAuthServers servers, B24Config config, EventRefusals refusals,
            EventsConfig events, ClientAddress client) {
        this.client = client;
        this.oauth = oauth;
        this.servers = servers;
        this.config = config;
        this.refusals = refusals;
        this.limiter = new TokenBuckets(events.proofsPerSecond(), events.proofBurst(), 100_000);
    }

    /** Throws {@link Refusal} (401, 429 or 503) unless the event is proven for {@code memberId}. */
    public void prove(String event, String memberId, FormData form) {
        if (EventNames.isV2BotEvent(event)) {
            FormData bot = form.group("data", "bot");
            proveUser(event, memberId, bot.group("auth"), number(bot.text("id")), "bot_token");
            return;
        }
        // A v1 command names its bot inside data[COMMAND][<command id>], with the bot's token there.
        FormData bots = form.group("data", "ONIMCOMMANDADD".equals(event) ? "COMMAND" : "BOT");
        if (bots.isEmpty()) {
            throw refusals.refuse(event, memberId, "no_bot_token", "The event names no bot.");
        }
        for (String key : bots.asMap().keySet()) {
            FormData entry = bots.group(key);
            FormData auth = entry.text("access_token") != null ? entry : entry.group("AUTH");
            long botId = number(entry.text("BOT_ID") != null ? entry.text("BOT_ID") : key);
            proveUser(event, memberId, auth, botId, "bot_token");
        }
        if ("ONIMBOTMESSAGEADD".equals(event)) {
            proveV1Author(event, memberId, form);
        }
    }

    /**
     * The v1 message's author must be the user whose token came with it, and a private chat's
     * dialog is its author: otherwise a user could make a bot write into someone else's chat.
     */
    private void proveV1Author(String event, String memberId, FormData form) {
        FormData params = form.group("data", "PARAMS");
        String authorText = params.text("FROM_USER_ID") != null ? params.text("FROM_USER_ID") : params.text("AUTHOR_ID");
        long author = number(authorText);
        proveUser(event, memberId, form.group("auth"), author, "author_token");
        String type = params.text("MESSAGE_TYPE") != null ? params.text("MESSAGE_TYPE") : params.text("CHAT_TYPE");
        if ("P".equals(type) && !String.valueOf(author).equals(params.text("DIALOG_ID"))) {
            throw refusals.refuse(event, memberId, "dialog_mismatch", "The event could not be verified for this portal.");
        }
    }

    private void proveUser(String event, String memberId, FormData auth, long expectedUser, String what) {
        String token = auth.text("access_token");
        if (token == null || token.isBlank() || expectedUser <= 0) {
            throw refusals.refuse(event, memberId, "no_" + what, "The event carries no usable " + what.replace('_', ' ') + ".");
        }
        String key = HexFormat.of().formatHex(TokenCipher.sha256(token));
        Instant now = Instant.now();
        Proven known = proven.get(key);
        if (known == null || known.until().isBefore(now)) {
            known = check(event, memberId, key, token, auth.text("server_endpoint"), auth.text("expires"), now);
        }
        if (!known.memberId().equals(memberId) || known.userId() != expectedUser) {
            throw refusals.refuse(event, memberId, what + "_mismatch", "The event could not be verified for this portal.");
        }
    }

    private Proven check(String event, String memberId, String key, String token, String claimedServer, String claimedExpiry,
            Instant now) {
        Instant refusedUntil = refused.get(key);
        if (refusedUntil != null && refusedUntil.isAfter(now)) {
            throw refusals.refuse(event, memberId, "token_refused", "The event could not be verified for this portal.");
        }
        String server = servers.forServerEndpoint(claimedServer).orElseThrow(
                () -> refusals.refuse(event, memberId, "untrusted_server", "The event names an OAuth server this service does not trust."));
        // Per portal and sending address: a portal user posting made-up tokens spends their own
        // address's budget, not the one Bitrix24's deliveries to the same portal draw on.
        if (!limiter.tryAcquire(memberId + " " + client.current())) {
            throw refusals.refuse(event, memberId, "proof_rate", Refusal.Kind.TOO_MANY,
                    "Too many unproven tokens for this portal; try again shortly.");
        }
        AppInfo info;
        try {
            info = oauth.appInfo(server, token);
        } catch (OAuthRejectedException e) {
            refused.put(key, now.plus(REFUSAL_MEMORY));
            throw refusals.refuse(event, memberId, "token_refused", "The event could not be verified for this portal.");
        } catch (OAuthUnavailableException e) {
            throw Refusal.unavailable("The Bitrix24 OAuth server could not be reached to verify this event. Please try again.");
        }
        if (!config.clientId().equals(info.clientId()) || info.memberId() == null || info.userId() == null) {
            refused.put(key, now.plus(REFUSAL_MEMORY));
            throw refusals.refuse(event, memberId, "foreign_token", "The event could not be verified for this portal.");
        }
        Proven result = new Proven(info.memberId(), info.userId(), until(claimedExpiry, now));
        proven.put(key, result);
        return result;
    }

    /** The token's own expiry when the event states it, never later than an hour from now. */
    private static Instant until(String claimedExpiry, Instant now) {
        Instant max = now.plus(MAX_PROOF_AGE);
        try {
            Instant claimed = Instant.ofEpochSecond(Long.parseLong(claimedExpiry.trim()));
            return claimed.isBefore(max) ? claimed : max;
        } catch (RuntimeException e) {
            return max;
        }
    }

    private static long number(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
