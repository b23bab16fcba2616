package io.b24bots.bitrix;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.b24bots.config.B24Config;
import jakarta.inject.Singleton;

/**
 * Turns a portal's answer into JSON within bounds that hold under the replica's heap, whatever the
 * portal sends: at most {@value #MAX_DEPTH} levels deep and {@code b24.rest.max-answer-tokens} JSON
 * tokens (by default one per kilobyte of heap), enforced while parsing, and, for an answer past
 * {@link AnswerMemory#FREE_BYTES}, a tree built only once the answer memory holds room for it. A byte
 * cap alone is not enough: four megabytes of {@code [{},{},…]} become over a million objects.
 */
@Singleton
class AnswerReader {

    /** Bitrix24's answers are a few levels deep; a batch of bot lists, the deepest we read, about ten. */
    static final int MAX_DEPTH = 64;

    private final ObjectMapper plain;
    private final ObjectReader bounded;
    private final JsonFactory counting;
    private final AnswerMemory memory;
    private final int maxTokens;

    AnswerReader(ObjectMapper json, B24Config config, AnswerMemory memory) {
        this.plain = json;
        this.memory = memory;
        this.maxTokens = config.rest().maxAnswerTokens().orElse(defaultMaxTokens());
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxTokenCount(maxTokens)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, config.rest().maxAnswerSize().asLongValue()))
                .build();
        this.counting = JsonFactory.builder().streamReadConstraints(limits).build();
        this.bounded = json.copyWith(counting).reader();
    }

    /** One token per kilobyte of heap (about 114,000 at 112 MB): a tree of at most a tenth of the heap. */
    static int defaultMaxTokens() {
        return (int) Math.clamp(Runtime.getRuntime().maxMemory() / 1024, 20_000, 2_000_000);
    }

    int maxTokens() {
        return maxTokens;
    }

    /**
     * The answer as JSON: an empty object when it is not JSON at all (an HTML error page), a permanent
     * {@link BitrixException#MALFORMED_ANSWER} when it breaks the bounds, a transient
     * {@link BitrixException#ANSWER_MEMORY_BUSY} when its tree does not fit in the answer memory now.
     */
    JsonNode read(String method, PortalHttp.Answer answer) {
        if (answer.body().length() == 0) {
            return plain.createObjectNode();
        }
        byte[] bytes = answer.body().getBytes();
        try {
            if (bytes.length <= AnswerMemory.FREE_BYTES) {
                return orEmpty(bounded.readTree(bytes));
            }
            long tree = (long) tokens(bytes) * AnswerMemory.BYTES_PER_TOKEN + 2L * bytes.length;
            if (!memory.tryReserve(tree)) {
                throw memoryBusy();
            }
            try {
                return orEmpty(bounded.readTree(bytes));
            } finally {
                memory.release(tree);
            }
        } catch (StreamConstraintsException e) {
            throw BitrixException.malformed(method, "JSON past this service's bounds (" + bound(e) + ")");
        } catch (IOException e) {
            return plain.createObjectNode();
        }
    }

    /** Counts the answer's tokens without building anything; past the bounds it throws as parsing would. */
    private int tokens(byte[] bytes) throws IOException {
        int count = 0;
        try (JsonParser parser = counting.createParser(bytes)) {
            while (parser.nextToken() != null) {
                count++;
            }
        }
        return count;
    }

    private JsonNode orEmpty(JsonNode node) {
        return node == null || node.isMissingNode() ? plain.createObjectNode() : node;
    }

    /** Which bound, without the answer's text (it is the portal's). */
    private String bound(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("depth")) {
            return "deeper than " + MAX_DEPTH + " levels";
        }
        if (message.contains("Token count")) {
            return "more than " + maxTokens + " tokens, b24.rest.max-answer-tokens";
        }
        return "a value too long";
    }

    static BitrixException memoryBusy() {
        return BitrixException.transientFailure(BitrixException.ANSWER_MEMORY_BUSY,
                "other large answers hold this replica's answer memory now (b24.rest.answer-memory)");
    }
}
