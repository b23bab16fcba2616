package io.b24bots.events;

import java.util.Map;

import io.b24bots.web.BodyLimit;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Reads an event's body on the event loop before the resource runs on its virtual thread. Left to
 * the resource, the body was pulled through a blocking stream that handed every chunk from the
 * event loop to the virtual thread and back, a hand-off per chunk; a body already read
 * is given to the resource as it is. Same limit and the same 413 as {@link BodyLimit}, which has
 * already refused a body declared too large. An event that finds the replica's {@link IntakeMemory} spent
 * is answered 503 before its body is read.
 */
@ApplicationScoped
public class EventBodies {

    static final String PATH = "/b24/events";
    /** A body that declares no length starts at this size and grows. */
    private static final int UNKNOWN_LENGTH = 4096;

    private static final String BUSY = Json.encode(Map.of("error", "temporarily_unavailable", "error_description",
            "This replica is holding as many events as its memory allows; this one was not stored. Send it again later."));

    private final BodyLimit limit;
    private final IntakeMemory memory;
    private final MeterRegistry meters;

    EventBodies(BodyLimit limit, IntakeMemory memory, MeterRegistry meters) {
        this.limit = limit;
        this.memory = memory;
        this.meters = meters;
    }

    void install(@Observes Router router) {
        router.post(PATH).order(Integer.MIN_VALUE + 1).handler(this::read);
    }

    private void read(RoutingContext context) {
        HttpServerRequest request = context.request();
        long max = limit.maxBytes();
        long declared = declaredLength(request);
        // Before any of the body is read: an event refused here costs the replica nothing but the answer.
        // A body of unknown length may grow to the limit, and is counted so.
        long cost = IntakeMemory.cost(declared < 0 ? max : Math.min(max, declared));
        if (!memory.tryReserve(cost)) {
            BodyLimit.closeAfter(context);
            context.response().setStatusCode(503).putHeader("Retry-After", "1")
                    .putHeader("Content-Type", "application/json").end(BUSY);
            return;
        }
        // Called once, when the answer is sent or the connection is lost, whoever answers.
        context.addEndHandler(done -> memory.release(cost));
        if (request.isEnded() || request.version() == HttpVersion.HTTP_2) {
            // Nothing left to read here, or HTTP/2 (where RESTEasy's pause of an ended request
            // fails): the resource reads the body itself, as before.
            context.next();
            return;
        }
        Buffer body = Buffer.buffer((int) (declared < 0 ? UNKNOWN_LENGTH : Math.min(max, declared)));
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                refused[0] = true;
                limit.refuse(context);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(end -> {
            if (!refused[0]) {
                context.setBody(body);
                context.next();
            }
        });
        request.exceptionHandler(failure -> {
            // The client hung up mid-body: nobody is left to answer, and nothing is wrong here.
            if (!refused[0] && !context.response().ended()) {
                refused[0] = true;
                meters.counter("b24.http.client.hangups").increment();
            }
        });
        request.resume();
    }

    /** The body's declared length, or -1 when it declares none (or none that reads as a length). */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                if (declared >= 0) {
                    return declared;
                }
            } catch (NumberFormatException e) {
                // Read it as a body of unknown length.
            }
        }
        return -1;
    }
}
