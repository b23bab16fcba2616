package io.b24bots.outbound;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import io.b24bots.config.B24Config;
import io.quarkus.arc.Arc;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import org.jboss.resteasy.reactive.client.impl.ClientRequestContextImpl;

/**
 * Caps the answers of the outbound REST clients (Bitrix24 portals, OAuth servers) at
 * {@code b24.rest.max-answer-size}. The clients return {@code Response} from blocking methods, which
 * the Quarkus REST client streams from the connection instead of buffering; this filter wraps that
 * stream so that reading past the cap fails with {@link AnswerTooLargeException} and the connection
 * is closed, and refuses a larger {@code Content-Length} before a byte is read. The clients must also
 * set {@code disable-default-mapper}, whose error mapping would buffer the whole body first.
 */
public class AnswerSizeFilter implements ClientResponseFilter {

    /** An answer longer than the cap; the connection it came on is closed. */
    public static final class AnswerTooLargeException extends IOException {
        public AnswerTooLargeException(long limit) {
            super("answer larger than " + limit + " bytes", null);
        }
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) {
        if (response.getHeaders() == null) {
            // The call failed before an answer arrived (timeout, refused connection): nothing to cap.
            return;
        }
        long limit = limit();
        Runnable abort = () -> abort(request);
        if (declaredLength(response) > limit) {
            abort.run();
            response.setEntityStream(new Capped(InputStream.nullInputStream(), -1, limit, abort));
        } else if (response.getEntityStream() != null) {
            response.setEntityStream(new Capped(response.getEntityStream(), limit, limit, abort));
        }
    }

    /** True when {@code failure} or one of its causes is an answer over the cap. */
    public static boolean isTooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AnswerTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static long limit() {
        return Arc.container().instance(B24Config.class).get().rest().maxAnswerSize().asLongValue();
    }

    private static long declaredLength(ClientResponseContext response) {
        return declaredLength(response.getHeaderString("Content-Length"));
    }

    /** A {@code Content-Length} header's value, or -1 when it is absent or not a number. */
    public static long declaredLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Closes the connection so the rest of the answer is neither read nor drained. */
    private static void abort(ClientRequestContext request) {
        try {
            if (request instanceof ClientRequestContextImpl impl
                    && impl.getRestClientRequestContext().getVertxClientResponse() != null) {
                impl.getRestClientRequestContext().getVertxClientResponse().request().connection().close();
            }
        } catch (RuntimeException e) {
            // Closing is best effort: the read already failed and the caller reports the answer as too large.
        }
    }

    /** Counts bytes read; past {@code remaining} it aborts and fails. */
    private static final class Capped extends FilterInputStream {
        private long remaining;
        private final long limit;
        private final Runnable abort;
        private boolean failed;

        Capped(InputStream in, long remaining, long limit, Runnable abort) {
            super(in);
            this.remaining = remaining;
            this.limit = limit;
            this.abort = abort;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (failed || remaining < 0) {
                throw tooLarge();
            }
            if (length == 0) {
                return 0;
            }
            // One byte beyond the cap tells "exactly the cap" from "more than the cap".
            int n = super.read(buffer, offset, (int) Math.min(length, remaining + 1));
            if (n > 0) {
                remaining -= n;
                if (remaining < 0) {
                    throw tooLarge();
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] sink = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int read = read(sink, 0, (int) Math.min(sink.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        private AnswerTooLargeException tooLarge() {
            if (!failed) {
                failed = true;
                abort.run();
            }
            return new AnswerTooLargeException(limit);
        }
    }
}
