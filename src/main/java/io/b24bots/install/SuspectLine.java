package io.b24bots.install;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.b24bots.web.Refusal;

/**
 * The line a client address that spent its failed-proof budget waits in: its proofs run one at a
 * time, and one that fails keeps the line for {@code pace} before the next, so the address costs at
 * most one failed outbound call per pace, however many requests it sends. A genuine token in the line
 * is proven when its turn comes: only waiting longer than {@code maxWait} gets 429.
 */
final class SuspectLine {

    /** Addresses with a line at once; past it a suspect gets 429 at once (memory stays bounded). */
    private static final int MAX_LINES = 10_000;

    private final ConcurrentHashMap<String, Semaphore> lines = new ConcurrentHashMap<>();
    private final Duration pace;
    private final Duration maxWait;

    SuspectLine(Duration pace, Duration maxWait) {
        this.pace = pace;
        this.maxWait = maxWait;
    }

    /** Runs {@code proof} in {@code address}'s turn; a proof that fails holds the turn for the pace. */
    <T> T inTurn(String address, Supplier<T> proof) {
        if (lines.size() >= MAX_LINES && !lines.containsKey(address)) {
            throw busy();
        }
        Semaphore line = lines.computeIfAbsent(address, a -> new Semaphore(1, true));
        boolean turn;
        try {
            turn = line.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        if (!turn) {
            throw busy();
        }
        try {
            return proof.get();
        } catch (Refusal e) {
            if (e.kind() == Refusal.Kind.UNVERIFIED) {
                pause();
            }
            throw e;
        } finally {
            line.release();
            if (!line.hasQueuedThreads()) {
                lines.remove(address, line);
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(pace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Refusal busy() {
        return Refusal.tooMany("Too many requests that could not be verified came from your address. Try again in a minute.");
    }
}
