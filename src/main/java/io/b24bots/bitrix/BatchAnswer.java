package io.b24bots.bitrix;

import com.fasterxml.jackson.databind.JsonNode;

/** What one command of a {@code batch} call returned: its {@code result}, or the error Bitrix24 gave it alone. */
public record BatchAnswer(JsonNode result, BitrixException error) {

    public boolean failed() {
        return error != null;
    }
}
