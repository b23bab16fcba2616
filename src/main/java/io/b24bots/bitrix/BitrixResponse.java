package io.b24bots.bitrix;

import com.fasterxml.jackson.databind.JsonNode;

/** A successful Bitrix24 answer: {@code result} plus paging ({@code next}, {@code total}) and {@code time}. */
public record BitrixResponse(JsonNode body) {

    public JsonNode result() {
        return body.path("result");
    }
}
