package io.b24bots.events;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Event data as it may be stored and hashed: without the tokens Bitrix24 puts inside it. */
final class EventPayloads {

    /** Per-delivery secrets and values that differ between deliveries of the same event. */
    private static final Set<String> DROPPED = Set.of("auth", "access_token", "refresh_token", "application_token",
            "expires", "expires_in");

    private EventPayloads() {
    }

    /**
     * The event's {@code data} (values are strings or groups, as parsed) as canonical JSON: every
     * group's fields sorted by name, the dropped ones left out at every level. Two deliveries of one
     * event give the same text whatever their field order, and so the same dedup hash. Written
     * straight from the parsed form: no sorted copy of the tree is built first, and the text is what
     * the mapper wrote for such a copy, so marks written before and after this way still match.
     */
    static String canonicalJson(ObjectMapper json, Map<String, Object> data) {
        StringWriter out = new StringWriter(2048);
        try (JsonGenerator generator = json.createGenerator(out)) {
            write(generator, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** By field name, as a sorted map orders them. */
    private static final Comparator<Map.Entry<String, Object>> BY_NAME = Map.Entry.comparingByKey();

    @SuppressWarnings("unchecked")
    private static void write(JsonGenerator generator, Map<String, Object> group) throws IOException {
        List<Map.Entry<String, Object>> fields = new ArrayList<>(group.size());
        for (Map.Entry<String, Object> field : group.entrySet()) {
            if (!DROPPED.contains(field.getKey().toLowerCase(Locale.ROOT))) {
                fields.add(field);
            }
        }
        fields.sort(BY_NAME);
        generator.writeStartObject();
        for (Map.Entry<String, Object> field : fields) {
            generator.writeFieldName(field.getKey());
            if (field.getValue() instanceof Map<?, ?> inner) {
                write(generator, (Map<String, Object>) inner);
            } else {
                generator.writeString((String) field.getValue());
            }
        }
        generator.writeEndObject();
    }
}
