package io.b24bots.events;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/** What the events URL answers when it takes an event: {@code {"result": …}}, as fixed bytes. */
public enum EventAnswer {
    OK("ok"), DUPLICATE("duplicate"), IGNORED("ignored");

    private final byte[] json;

    EventAnswer(String result) {
        this.json = ("{\"result\":\"" + result + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Ends the response with the answer's bytes at once. A Map went through Jackson and a String
     * through the JSON writer's blocking output stream, whose close waited for the event loop from
     * the request's virtual thread: a hand-off per answer for a few fixed bytes.
     */
    @Provider
    @Produces(MediaType.APPLICATION_JSON)
    public static class Writer implements ServerMessageBodyWriter<EventAnswer> {

        @Override
        public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
            return type == EventAnswer.class;
        }

        @Override
        public void writeResponse(EventAnswer answer, Type genericType, ServerRequestContext context) {
            // A heap buffer wrapping the fixed bytes: ServerHttpResponse.end(byte[]) copies them into a
            // pooled direct buffer, whose per-thread cache a virtual thread (one per request) builds
            // anew each time. Netty copies heap bytes on the event loop.
            if (context instanceof ResteasyReactiveRequestContext request
                    && request.serverRequest().unwrap(HttpServerResponse.class) instanceof HttpServerResponse response) {
                response.end(Buffer.buffer(answer.json));
            } else {
                context.serverResponse().end(answer.json);
            }
        }

        @Override
        public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
            return type == EventAnswer.class;
        }

        @Override
        public void writeTo(EventAnswer answer, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
            out.write(answer.json);
        }
    }
}
