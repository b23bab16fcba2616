package io.b24bots.bitrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A successful Bitrix24 answer: {@code result} plus paging ({@code next}, {@code total}) and {@code time}.
 * The {@code require...} accessors turn an answer of the wrong shape into a {@link BitrixException}
 * with code {@code MALFORMED_ANSWER} instead of a NullPointerException deep in a caller.
 */
public record BitrixResponse(JsonNode body) {

    public JsonNode result() {
        return body.path("result");
    }

    /** {@code result} as an object; MALFORMED_ANSWER when it is anything else. */
    public JsonNode requireObject(String method) {
        JsonNode result = result();
        if (!result.isObject()) {
            throw BitrixException.malformed(method, "a result that is not an object");
        }
        return result;
    }

    /** {@code result} as an array; MALFORMED_ANSWER when it is anything else. */
    public JsonNode requireArray(String method) {
        JsonNode result = result();
        if (!result.isArray()) {
            throw BitrixException.malformed(method, "a result that is not a list");
        }
        return result;
    }

    /** {@code node.field} as a whole number (JSON number or digits); MALFORMED_ANSWER otherwise. */
    public static long requireLong(JsonNode node, String field, String method) {
        JsonNode value = node.path(field);
        if (value.isIntegralNumber() && value.canConvertToLong()
                || value.isTextual() && value.asText().matches("-?\\d{1,18}")) {
            return value.asLong();
        }
        throw BitrixException.malformed(method, value.isMissingNode() || value.isNull()
                ? "without " + field : field + " that is not a whole number");
    }

    /** {@code node.field} as an array, empty when absent; MALFORMED_ANSWER when it is something else. */
    public static JsonNode optionalArray(JsonNode node, String field, String method) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!value.isArray()) {
            throw BitrixException.malformed(method, field + " that is not a list");
        }
        return value;
    }

    /** {@code node.field} as a boolean, {@code fallback} when absent; MALFORMED_ANSWER for other types. */
    public static boolean optionalBoolean(JsonNode node, String field, boolean fallback, String method) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isTextual() && ("Y".equals(value.asText()) || "N".equals(value.asText()))
                || value.isTextual() && ("true".equals(value.asText()) || "false".equals(value.asText()))) {
            return "Y".equals(value.asText()) || "true".equals(value.asText());
        }
        throw BitrixException.malformed(method, field + " that is not a boolean");
    }
}
