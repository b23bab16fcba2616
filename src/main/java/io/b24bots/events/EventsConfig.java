package io.b24bots.events;

import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the event intake ({@code b24.events.*}). */
@ConfigMapping(prefix = "b24.events")
public interface EventsConfig {

    /** New bot tokens proven per second for one portal from one sending address (cached proofs are free); past it, 429. */
    @WithDefault("20")
    double proofsPerSecond();

    /** New bot-token proofs one portal may ask for at once from one sending address. */
    @WithDefault("100")
    int proofBurst();

    /**
     * Events without a token to prove them (bot deletions) one portal may have checked per minute;
     * past it their checks wait a minute (none is refused: Bitrix24 does not deliver an event twice).
     */
    @WithDefault("10")
    int unprovenPerMinute();

    /**
     * Batches of bot events a replica writes at the same time. While one waits for its commit, the
     * events arriving meanwhile gather for the next: fewer writers make fewer, larger batches (less
     * database work per event: most of a batch's cost is the statement's, not its events'), more make
     * shorter waits when the database is slow to commit.
     */
    @WithDefault("1")
    int intakeWriters();

    /**
     * Heap the events being received may hold at once (each counts 16 KB and three times its body); an
     * event that finds it spent is answered 503 before its body is read. Unset: a fifth of the heap.
     */
    Optional<MemorySize> intakeMemory();
}
