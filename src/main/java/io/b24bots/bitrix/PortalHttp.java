package io.b24bots.bitrix;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.b24bots.config.B24Config;
import io.b24bots.outbound.AnswerSizeFilter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * The HTTP exchange with a portal's REST endpoint: a JSON POST on a kept-alive connection, the answer
 * read up to {@code b24.rest.max-answer-size} (a longer one closes the connection unread), redirects
 * never followed, timeouts from {@code b24.rest.connect-timeout} / {@code b24.rest.read-timeout}.
 *
 * <p>Vert.x's HTTP client, which the Quarkus REST client runs on, used directly: on the reply path the
 * REST client's per-call machinery (invocation context, filters, writer lookup, response building,
 * a blocking stream adapter) cost more than the call itself on the reply path. Here a call is one
 * request, one buffer and one future. TLS is Vert.x's default: the JDK's trust store,
 * host name verification and SNI.
 */
@Singleton
class PortalHttp {

    /**
     * What the portal answered: its status and body (at most the cap). A body past
     * {@link AnswerMemory#FREE_BYTES} holds {@code reserved} bytes of the answer memory until closed.
     */
    record Answer(int status, Buffer body, long reserved, AnswerMemory memory) implements AutoCloseable {
        @Override
        public void close() {
            memory.release(reserved);
        }
    }

    /** Connections kept per portal host (Bitrix24's cloud serves many portals from one host). */
    static final int CONNECTIONS_PER_HOST = 50;
    private static final int INITIAL_BUFFER_LIMIT = 64 * 1024;

    private final HttpClient client;
    /**
     * One context on each event loop; each host's calls start on one of them. A call started on the
     * caller's (virtual) thread got a new context on the next event loop, while its pooled connection
     * lived on another: every step of the exchange (the connection's lease, the request's head, the
     * answer's head, chunks and end) then went over to the other loop as a task and woke it up, about
     * 5% of the service's CPU on the reply path. A host's connections are all made, and all
     * used, on its loop.
     */
    private final Context[] contexts;
    private final B24Config config;
    private final AnswerMemory memory;
    private final long connectTimeoutMillis;
    private final long readTimeoutMillis;

    PortalHttp(Vertx vertx, B24Config config, AnswerMemory memory) {
        this.config = config;
        this.memory = memory;
        this.connectTimeoutMillis = config.rest().connectTimeout().toMillis();
        this.readTimeoutMillis = config.rest().readTimeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setName("b24-portals")
                .setConnectTimeout((int) connectTimeoutMillis)
                .setKeepAlive(true)
                .setVerifyHost(true)
                .setForceSni(true)
                // BitrixClient opens the call's span itself, with the portal and the method and no URL.
                .setTracingPolicy(TracingPolicy.IGNORE),
                new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_HOST));
        VertxInternal internal = (VertxInternal) vertx;
        List<Context> onLoops = new ArrayList<>();
        for (EventExecutor loop : internal.getEventLoopGroup()) {
            onLoops.add(internal.createEventLoopContext((EventLoop) loop, internal.getWorkerPool(),
                    Thread.currentThread().getContextClassLoader()));
        }
        this.contexts = onLoops.toArray(Context[]::new);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /**
     * Posts {@code json} to {@code url} and waits for the whole answer; blocks, so callers run on
     * virtual or worker threads. Transport failures are {@link BitrixException}s: NETWORK_ERROR when
     * nothing was sent (the call may be repeated), TIMEOUT when the portal may have acted on it,
     * ANSWER_TOO_LARGE past the cap.
     */
    Answer post(String url, byte[] json) {
        return post(url, json, null);
    }

    /**
     * {@link #post(String, byte[])} connecting to {@code checked}, the address the endpoint's host was
     * found to have (null: resolve the host). The URL's host still names the portal in TLS (SNI and
     * the certificate check) and in the Host header; only the connection skips a second DNS answer.
     */
    Answer post(String url, byte[] json, InetAddress checked) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("a portal call blocks; it must not run on an event loop thread");
        }
        Reading reading = new Reading(config.rest().maxAnswerSize().asLongValue(), memory);
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(url)
                .setFollowRedirects(false)
                .setConnectTimeout(connectTimeoutMillis)
                .setIdleTimeout(readTimeoutMillis)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        if (checked != null) {
            request.setServer(SocketAddress.inetSocketAddress(request.getPort(), checked.getHostAddress()));
        }
        contexts[Math.floorMod(Objects.hashCode(request.getHost()), contexts.length)].runOnContext(started -> {
            try {
                client.request(request).onComplete(opened -> {
                    if (opened.failed()) {
                        reading.fail(opened.cause());
                        return;
                    }
                    opened.result().send(Buffer.buffer(json)).onComplete(sent -> {
                        if (sent.failed()) {
                            reading.fail(sent.cause());
                        } else {
                            reading.read(sent.result());
                        }
                    });
                });
            } catch (RuntimeException e) {
                reading.fail(e);
            }
        });
        try {
            // The idle timeout ends a silent call; this bound only guards against a future never completed.
            return reading.answer.get(connectTimeoutMillis + readTimeoutMillis + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            reading.fail(e);
            throw failure(e);
        } catch (InterruptedException e) {
            reading.fail(e);
            Thread.currentThread().interrupt();
            throw BitrixException.transientFailure(BitrixException.TIMEOUT, "interrupted while waiting for the portal");
        }
    }

    /**
     * One answer being read: its body, and what it holds of the answer memory. Chunks arrive on the
     * event loop, a timeout on the caller's thread: both end it here, and whichever comes first
     * decides whether the body (and its memory) goes to the caller or is given back.
     */
    private static final class Reading {
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        private final long limit;
        private final AnswerMemory memory;
        private Buffer body;
        private long reserved;
        private HttpClientResponse response;

        Reading(long limit, AnswerMemory memory) {
            this.limit = limit;
            this.memory = memory;
        }

        /** Reads the body into one buffer, closing the connection as soon as it is known to be refused. */
        void read(HttpClientResponse response) {
            long declared = AnswerSizeFilter.declaredLength(response.getHeader(HttpHeaders.CONTENT_LENGTH));
            synchronized (this) {
                this.response = response;
                // Sized from the declared length only up to a typical answer: a portal declaring megabytes and
                // sending nothing must not make the replica hold them.
                body = Buffer.buffer((int) Math.min(declared >= 0 ? declared : 1024, INITIAL_BUFFER_LIMIT));
            }
            if (declared > limit) {
                fail(new AnswerTooLarge());
                return;
            }
            response.handler(this::append);
            response.exceptionHandler(this::fail);
            response.endHandler(end -> finish());
        }

        private synchronized void append(Buffer chunk) {
            if (answer.isDone()) {
                return;
            }
            long length = body.length() + (long) chunk.length();
            if (length > limit) {
                fail(new AnswerTooLarge());
                return;
            }
            // A growing buffer is copied once as it doubles, and the body is copied once more to be parsed.
            long needed = 3 * Math.max(0, length - AnswerMemory.FREE_BYTES) - reserved;
            if (needed > 0) {
                if (!memory.tryReserve(needed)) {
                    fail(new AnswerMemoryBusy());
                    return;
                }
                reserved += needed;
            }
            body.appendBuffer(chunk);
        }

        private synchronized void finish() {
            if (answer.complete(new Answer(response.statusCode(), body, reserved, memory))) {
                reserved = 0;
            }
        }

        /** Ends the reading with {@code cause}, unless it has ended; gives back its memory and drops the connection. */
        synchronized void fail(Throwable cause) {
            if (!answer.completeExceptionally(cause)) {
                return;
            }
            memory.release(reserved);
            reserved = 0;
            body = null;
            if (response != null) {
                response.request().connection().close();
            }
        }
    }

    private BitrixException failure(Throwable cause) {
        if (cause instanceof AnswerTooLarge) {
            long limit = config.rest().maxAnswerSize().asLongValue();
            return BitrixException.permanent(BitrixException.ANSWER_TOO_LARGE,
                    "the answer is larger than " + limit + " bytes (b24.rest.max-answer-size)");
        }
        if (cause instanceof AnswerMemoryBusy) {
            return AnswerReader.memoryBusy();
        }
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                // Nothing was sent, so repeating cannot duplicate a write.
                return BitrixException.transientFailure(BitrixException.NETWORK_ERROR, "connection failed");
            }
        }
        // The request may have reached Bitrix24: a non-idempotent call must not be repeated blindly.
        return BitrixException.transientFailure(BitrixException.TIMEOUT,
                "no answer from the portal (" + cause.getClass().getSimpleName() + ")");
    }

    /** The answer memory is spent: other answers hold it. No stack trace, it is an expected outcome. */
    private static final class AnswerMemoryBusy extends Exception {
        AnswerMemoryBusy() {
            super("the answer memory is spent", null, false, false);
        }
    }

    /** An answer past the cap; no stack trace, it is an expected outcome of a hostile portal. */
    private static final class AnswerTooLarge extends Exception {
        AnswerTooLarge() {
            super("answer larger than b24.rest.max-answer-size", null, false, false);
        }
    }
}
