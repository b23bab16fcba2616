package io.b24bots.jobs;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

/**
 * Wakes the local worker: at once when jobs were committed ({@link #wake()}), so nothing waits for
 * the poll; and when a job finished here ({@link #finished()}), whose outcome the dispatcher's next
 * round records. Finished jobs may gather a few milliseconds first ({@link #awaitWork}): jobs leased
 * at insert finish thousands of times a second, and a round per finished job was a transaction each.
 */
@Singleton
public class JobSignal {

    /** Any reason to run a round. */
    private final Semaphore woken = new Semaphore(0);
    /** Jobs were committed, or the worker stops: a reason not to wait. */
    private final Semaphore work = new Semaphore(0);

    public void wake() {
        release(work);
        release(woken);
    }

    /** A job ended here, or slots were given back: record it, and claim into the free slots, with the next round. */
    void finished() {
        release(woken);
    }

    private static void release(Semaphore permits) {
        if (permits.availablePermits() == 0) {
            permits.release();
        }
    }

    /**
     * Waits for a wake-up or the timeout, whichever comes first. False when only {@link #finished()}
     * woke it; true when there was work or nothing came.
     */
    boolean await(Duration timeout) throws InterruptedException {
        if (!woken.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        woken.drainPermits();
        return work.drainPermits() > 0;
    }

    /** Waits up to {@code timeout} for work ({@link #wake()}), letting finished jobs gather meanwhile. */
    void awaitWork(Duration timeout) throws InterruptedException {
        if (work.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            work.drainPermits();
        }
        woken.drainPermits();
    }
}
