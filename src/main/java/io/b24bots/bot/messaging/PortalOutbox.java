package io.b24bots.bot.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.b24bots.bitrix.BatchAnswer;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.PortalRateLimiter;
import io.b24bots.bitrix.RestCall;
import io.b24bots.jobs.LeaseLostException;
import io.b24bots.jobs.QueuedJob;
import org.jboss.logging.Logger;

/**
 * The messages posted while one portal's bot events are handled, leaving in the order they were
 * posted. While the portal has room under its rate limit each goes out at once; when it has none,
 * they wait and leave together, up to {@value BitrixClient#BATCH_LIMIT} in one {@code batch} call,
 * so a busy portal gets as many replies per second as it sends messages, not as many as its limit
 * allows calls. What fails is kept per posting hook, for its job's failure policy.
 *
 * <p>Used by one handler thread and by the "typing…" timer, hence synchronized; the lock is held
 * across the call so the order of the dialog is the order of the calls.
 */
final class PortalOutbox {

    private static final Logger LOG = Logger.getLogger(PortalOutbox.class);

    /** Who posted: the hook whose failure policy applies when the message cannot be delivered. */
    record Origin(QueuedJob job, String botCode, String handler, long botId, String hook) {
    }

    private record Pending(Origin origin, RestCall call) {
    }

    private final String memberId;
    private final BitrixClient bitrix;
    private final PortalRateLimiter limiter;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<Origin, RuntimeException> failures = new LinkedHashMap<>();

    PortalOutbox(String memberId, BitrixClient bitrix, PortalRateLimiter limiter) {
        this.memberId = memberId;
        this.bitrix = bitrix;
        this.limiter = limiter;
    }

    /** Queues a message; it leaves with the next call to the portal, or in a batch of its own once 50 wait. */
    synchronized void post(Origin origin, RestCall call) {
        pending.add(new Pending(origin, call));
        if (pending.size() >= BitrixClient.BATCH_LIMIT) {
            flush();
        }
    }

    /**
     * Sends {@code call} now, after (and together with) what waits, and returns its result; its own
     * failure is thrown, as from a direct call.
     */
    synchronized JsonNode sendNow(Origin origin, RestCall call) {
        while (pending.size() >= BitrixClient.BATCH_LIMIT) {
            send(take(BitrixClient.BATCH_LIMIT), null);
        }
        Pending own = new Pending(origin, call);
        List<Pending> chunk = take(pending.size());
        chunk.add(own);
        return send(chunk, own);
    }

    /** Sends what waits if the portal has room for a call now; otherwise it keeps gathering. */
    synchronized void flushIfFree() {
        if (!pending.isEmpty() && !limiter.wouldWait(memberId)) {
            flush();
        }
    }

    /** Sends everything that waits, in calls of at most 50 commands; true if anything was sent. */
    synchronized boolean flush() {
        boolean sent = !pending.isEmpty();
        while (!pending.isEmpty()) {
            send(take(BitrixClient.BATCH_LIMIT), null);
        }
        return sent;
    }

    /** What could not be delivered, by the hook that posted it (the first failure of each). */
    synchronized Map<Origin, RuntimeException> failures() {
        return Map.copyOf(failures);
    }

    /** Removes up to {@code max} of the oldest waiting messages from the queue: whatever happens next, none is sent twice. */
    private List<Pending> take(int max) {
        List<Pending> chunk = new ArrayList<>(pending.subList(0, Math.min(max, pending.size())));
        pending.subList(0, chunk.size()).clear();
        return chunk;
    }

    /**
     * One call for the chunk: the method itself for one command, {@code batch} for more. Failures
     * are kept per origin, except those of {@code own} (a {@link #sendNow}), which are thrown; its
     * result is returned.
     */
    private JsonNode send(List<Pending> chunk, Pending own) {
        // Every posting job must still be this worker's before anything acts for it.
        List<QueuedJob> lost = QueuedJob.confirmLeases(new ArrayList<>(new LinkedHashSet<>(chunk.stream()
                .map(p -> p.origin().job()).toList())));
        if (!lost.isEmpty()) {
            chunk = chunk.stream().filter(p -> !lost.contains(p.origin().job())).toList();
            if (own != null && !chunk.contains(own)) {
                throw new LeaseLostException(own.origin().job().id());
            }
            lost.forEach(job -> LOG.infof("Messages of %s not sent: another worker holds it now", job));
            if (chunk.isEmpty()) {
                return null;
            }
        }
        List<BatchAnswer> answers;
        try {
            if (chunk.size() == 1) {
                RestCall call = chunk.getFirst().call();
                JsonNode result = bitrix.call(memberId, call.method(), call.params()).result();
                answers = List.of(new BatchAnswer(result, null));
            } else {
                answers = bitrix.batch(memberId, chunk.stream().map(Pending::call).toList());
            }
        } catch (RuntimeException e) {
            if (e instanceof BitrixException b && BitrixException.TIMEOUT.equals(b.code())) {
                // It may have been delivered: repeating could show the messages twice.
                LOG.warnf("Portal %s: a call with %d messages timed out and is not repeated", memberId, chunk.size());
                return null;
            }
            // A failure of the whole call is each posting hook's; the caller of sendNow gets it thrown.
            for (Pending p : chunk) {
                if (p != own) {
                    failures.putIfAbsent(p.origin(), e);
                }
            }
            if (own != null) {
                throw e;
            }
            return null;
        }
        JsonNode ownResult = null;
        for (int i = 0; i < chunk.size(); i++) {
            BatchAnswer answer = answers.get(i);
            if (chunk.get(i) == own) {
                if (answer.failed()) {
                    throw answer.error();
                }
                ownResult = answer.result();
            } else if (answer.failed()) {
                failures.putIfAbsent(chunk.get(i).origin(), answer.error());
            }
        }
        return ownResult;
    }
}
