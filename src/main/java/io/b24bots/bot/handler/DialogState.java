package io.b24bots.bot.handler;

import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a bot remembers of one dialog between messages: a small JSON value (at most 64 KB), kept for
 * the time given with each write. Shared by every replica: {@link #update} reads, changes and writes
 * it again if nobody wrote in between, and tries again if somebody did, so two messages handled at
 * once never lose each other's change.
 */
public interface DialogState {

    /** The remembered value; empty when there is none or it expired. */
    Optional<JsonNode> get();

    /**
     * Changes the value: {@code change} gets the current one ({@code null} when there is none) and
     * returns the new one ({@code null} forgets it), kept for {@code keep} from now. {@code change} may
     * run more than once when another writer came first; it must not have effects of its own.
     *
     * @return the value now remembered (null when forgotten)
     */
    JsonNode update(UnaryOperator<JsonNode> change, Duration keep);

    /** Forgets the value. */
    void clear();
}
