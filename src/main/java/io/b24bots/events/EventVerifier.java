package io.b24bots.events;

import java.util.Locale;

import io.b24bots.portal.ApplicationTokens.TokenCheck;
import io.b24bots.portal.ApplicationTokens;
import io.b24bots.web.Refusal;
import jakarta.inject.Singleton;

/**
 * The first filter of every event but {@code ONAPPINSTALL}: its {@code auth[application_token]}
 * must equal the one stored for the portal it names, and the portal must have the app installed.
 * Passing it is not enough to act on (every portal user can read that token in the app's frame):
 * each event type then needs its own proof, see docs/SECURITY.md.
 */
@Singleton
public class EventVerifier {

    private final ApplicationTokens tokens;
    private final EventRefusals refusals;

    EventVerifier(ApplicationTokens tokens, EventRefusals refusals) {
        this.tokens = tokens;
        this.refusals = refusals;
    }

    public void verify(String event, String memberId, String applicationToken) {
        TokenCheck check = check(event, memberId, applicationToken);
        if (check != TokenCheck.MATCH) {
            throw refuse(event, memberId, check);
        }
    }

    /**
     * {@code ONAPPUPDATE} carries "the updated application_token" (its page): true when it is the stored
     * one, false when it is new to this installed portal, which only an administrator's proof may store.
     */
    public boolean verifyUpdate(String event, String memberId, String applicationToken) {
        TokenCheck check = check(event, memberId, applicationToken);
        if (check == TokenCheck.MISMATCH || check == TokenCheck.NO_TOKEN_STORED) {
            return false;
        }
        if (check != TokenCheck.MATCH) {
            throw refuse(event, memberId, check);
        }
        return true;
    }

    private TokenCheck check(String event, String memberId, String applicationToken) {
        if (applicationToken == null || applicationToken.isBlank()) {
            throw refusals.refuse(event, memberId, "no_token_sent", "The event carries no auth[application_token].");
        }
        return tokens.check(memberId, applicationToken);
    }

    private Refusal refuse(String event, String memberId, TokenCheck check) {
        return refusals.refuse(event, memberId, check.name().toLowerCase(Locale.ROOT), switch (check) {
            case NO_TOKEN_STORED -> "This portal has no application token yet: open the app in Bitrix24 once to finish the installation.";
            case UNINSTALLED -> "The app is not installed on this portal; only a reinstall is accepted.";
            default -> "The event could not be verified for this portal.";
        });
    }
}
