package io.b24bots.bitrix;

import java.util.concurrent.atomic.AtomicLong;

import io.b24bots.config.B24Config;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The heap the portals' answers may hold at once, shared by every call of this replica: an answer
 * past {@link #FREE_BYTES} reserves what its body and, before it is parsed, its tree will take, and
 * gives it back once parsed. A portal answering megabytes to many calls at once then fails its own
 * calls ({@link BitrixException#ANSWER_MEMORY_BUSY}, retried later) instead of taking the replica's
 * heap, and with it every other portal, down.
 */
@ApplicationScoped
public class AnswerMemory {

    /**
     * Answers up to this size take nothing from the budget: every ordinary answer (a reply's message
     * id, app.info) is far smaller, and even built as a tree one costs a few hundred kilobytes at most.
     */
    static final int FREE_BYTES = 8 * 1024;
    /** What a JSON token may cost once parsed into a tree, at most (measured: 45 to 70 bytes). */
    static final int BYTES_PER_TOKEN = 80;

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    AnswerMemory(B24Config config, MeterRegistry meters) {
        this.capacity = config.rest().answerMemory().map(size -> size.asLongValue())
                .orElse(Runtime.getRuntime().maxMemory() / 4);
        Gauge.builder("b24.rest.answer.memory.used", used, AtomicLong::get).baseUnit("bytes").register(meters);
    }

    /** Takes {@code bytes} from the budget; false, and nothing taken, when they are not there. */
    boolean tryReserve(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        while (true) {
            long now = used.get();
            if (now + bytes > capacity) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return used.get();
    }
}
