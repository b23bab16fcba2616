package io.b24bots.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * A parsed {@code application/x-www-form-urlencoded} body with PHP-style nested keys, as Bitrix24
 * sends events and frame data: {@code auth[application_token]=…&data[PARAMS][MESSAGE]=…}.
 * Values are strings; nodes are maps in arrival order ({@code a[]} appends "0", "1", …).
 * Parsing is strict: bad escapes, bytes that are not UTF-8, unbalanced brackets and a key used
 * both as a value and as a parent are refused, so a handler never sees an ambiguous payload.
 */
public final class FormData {

    static final int MAX_FIELDS = 5000;
    static final int MAX_DEPTH = 12;

    private final Map<String, Object> root;

    private FormData(Map<String, Object> root) {
        this.root = root;
    }

    public static FormData empty() {
        return new FormData(Collections.emptyMap());
    }

    /** Parses a body; throws {@link MalformedForm} with a message fit for the sender. */
    public static FormData parse(byte[] body) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (body == null || body.length == 0) {
            return new FormData(root);
        }
        int fields = 0;
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '&') {
                if (i > start) {
                    if (++fields > MAX_FIELDS) {
                        throw new MalformedForm("too many form fields (at most " + MAX_FIELDS + ")");
                    }
                    addPair(root, body, start, i);
                }
                start = i + 1;
            }
        }
        return new FormData(root);
    }

    private static void addPair(Map<String, Object> root, byte[] body, int from, int to) {
        int eq = from;
        while (eq < to && body[eq] != '=') {
            eq++;
        }
        List<String> path = KEY_PATHS.get(body, from, eq);
        if (path == null) {
            path = plainPath(body, from, eq);
            if (path == null) {
                path = List.copyOf(splitKey(decode(body, from, eq)));
            }
            KEY_PATHS.put(body, from, eq, path);
        }
        String value = eq < to ? decode(body, eq + 1, to) : "";
        put(root, path, value);
    }

    /** Key paths of field names seen before. */
    private static final NameTable<List<String>> KEY_PATHS = new NameTable<>(4_096);
    static final int KEY_PATHS_KEPT = KEY_PATHS.capacity();
    /** The strings of path segments seen before: a bot's id in its portal is a segment like any other, a miss costs one short string. */
    private static final NameTable<String> SEGMENTS = new NameTable<>(1_024);

    static int keyPathsKept() {
        return KEY_PATHS.size();
    }

    /**
     * The path of a name made only of plain characters and brackets (literal or %5B / %5D), split
     * straight from the body's bytes; null for anything else, which {@link #splitKey} decodes and
     * splits (and refuses when malformed). Bot events name fields by the bot's id in the portal
     * ({@code data[BOT][3038][BOT_ID]}), so with many portals these names outnumber
     * {@link #KEY_PATHS}' slots and most are new to it.
     */
    private static List<String> plainPath(byte[] body, int from, int to) {
        String[] path = new String[MAX_DEPTH];
        int i = from;
        while (i < to && plain(body[i])) {
            i++;
        }
        if (i == from) {
            return null;
        }
        path[0] = segment(body, from, i);
        int segments = 1;
        while (i < to) {
            int open = bracket(body, i, to, '[', 'B');
            if (open == 0 || segments == MAX_DEPTH) {
                return null;
            }
            int start = i + open;
            int end = start;
            while (end < to && plain(body[end])) {
                end++;
            }
            int close = end < to ? bracket(body, end, to, ']', 'D') : 0;
            if (close == 0) {
                return null;
            }
            path[segments++] = end == start ? "" : segment(body, start, end);
            i = end + close;
        }
        return List.of(Arrays.copyOf(path, segments));
    }

    /** A character that decodes to itself and is no bracket. */
    private static boolean plain(byte b) {
        return b > ' ' && b < 0x7F && b != '%' && b != '+' && b != '[' && b != ']';
    }

    /** The length of the bracket at {@code i}: 1 when literal, 3 when percent-encoded (%5B or %5b for '['), else 0. */
    private static int bracket(byte[] body, int i, int to, char literal, char hexLow) {
        if (body[i] == literal) {
            return 1;
        }
        return i + 2 < to && body[i] == '%' && body[i + 1] == '5' && (body[i + 2] | 0x20) == (hexLow | 0x20) ? 3 : 0;
    }

    private static String segment(byte[] body, int from, int to) {
        String segment = SEGMENTS.get(body, from, to);
        if (segment == null) {
            segment = new String(body, from, to - from, StandardCharsets.ISO_8859_1);
            SEGMENTS.put(body, from, to, segment);
        }
        return segment;
    }

    private static List<String> splitKey(String key) {
        int open = key.indexOf('[');
        String base = open < 0 ? key : key.substring(0, open);
        if (base.isEmpty()) {
            throw new MalformedForm("form field with an empty name");
        }
        if (base.indexOf(']') >= 0) {
            throw new MalformedForm("unbalanced brackets in form field '" + shorten(key) + "'");
        }
        List<String> path = new ArrayList<>();
        path.add(base);
        int i = open;
        while (i >= 0 && i < key.length()) {
            if (key.charAt(i) != '[') {
                throw new MalformedForm("unexpected text after ']' in form field '" + shorten(key) + "'");
            }
            int close = key.indexOf(']', i);
            if (close < 0) {
                throw new MalformedForm("unbalanced brackets in form field '" + shorten(key) + "'");
            }
            String segment = key.substring(i + 1, close);
            if (segment.indexOf('[') >= 0) {
                throw new MalformedForm("unbalanced brackets in form field '" + shorten(key) + "'");
            }
            path.add(segment);
            if (path.size() > MAX_DEPTH) {
                throw new MalformedForm("form field nested deeper than " + MAX_DEPTH + " levels");
            }
            i = close + 1;
        }
        return path;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> root, List<String> path, String value) {
        Map<String, Object> node = root;
        for (int i = 0; i < path.size(); i++) {
            String segment = path.get(i);
            if (segment.isEmpty()) {
                segment = Integer.toString(node.size());
            }
            boolean last = i == path.size() - 1;
            Object existing = node.get(segment);
            if (last) {
                if (existing instanceof Map) {
                    throw conflict(path);
                }
                node.put(segment, value);
            } else if (existing == null) {
                Map<String, Object> child = new LinkedHashMap<>();
                node.put(segment, child);
                node = child;
            } else if (existing instanceof Map) {
                node = (Map<String, Object>) existing;
            } else {
                throw conflict(path);
            }
        }
    }

    private static MalformedForm conflict(List<String> path) {
        return new MalformedForm("form field '" + shorten(path.get(0)) + "' is used both as a value and as a group");
    }

    /**
     * Most of an event body is ASCII, so each field is one pass and one copy: a field with no
     * escapes becomes its string directly, escapes are decoded into one array, and only a field
     * that then holds bytes above 127 is checked as UTF-8.
     */
    private static String decode(byte[] body, int from, int to) {
        int i = from;
        while (i < to && body[i] != '%' && body[i] != '+' && body[i] >= 0) {
            i++;
        }
        if (i == to) {
            return new String(body, from, to - from, StandardCharsets.ISO_8859_1);
        }
        byte[] out = new byte[to - from];
        int length = i - from;
        System.arraycopy(body, from, out, 0, length);
        boolean ascii = true;
        for (; i < to; i++) {
            byte b = body[i];
            if (b == '+') {
                b = ' ';
            } else if (b == '%') {
                if (i + 2 >= to) {
                    throw new MalformedForm("incomplete percent-escape in the form body");
                }
                int hi = Character.digit(body[i + 1], 16);
                int lo = Character.digit(body[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new MalformedForm("invalid percent-escape in the form body");
                }
                b = (byte) ((hi << 4) | lo);
                i += 2;
            }
            ascii &= b >= 0;
            out[length++] = b;
        }
        if (ascii) {
            return new String(out, 0, length, StandardCharsets.ISO_8859_1);
        }
        String text = new String(out, 0, length, StandardCharsets.UTF_8);
        // The fast decoder replaces malformed input with U+FFFD; only then (or when the sender
        // wrote U+FFFD itself) does the strict decoder decide.
        return text.indexOf('\uFFFD') < 0 ? text : strictUtf8(out, length);
    }

    private static String strictUtf8(byte[] bytes, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedForm("the form body is not valid UTF-8");
        }
    }

    private static String shorten(String key) {
        return key.length() > 60 ? key.substring(0, 60) + "…" : key;
    }

    /** The string at a path, or null when absent or a group. */
    public String text(String... path) {
        Object node = root;
        for (String segment : path) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(segment);
        }
        return node instanceof String s ? s : null;
    }

    /** The group at a path; empty when absent or a plain value. */
    @SuppressWarnings("unchecked")
    public FormData group(String... path) {
        Object node = root;
        for (String segment : path) {
            if (!(node instanceof Map<?, ?> map)) {
                return empty();
            }
            node = map.get(segment);
        }
        return node instanceof Map<?, ?> map ? new FormData((Map<String, Object>) map) : empty();
    }

    public boolean isEmpty() {
        return root.isEmpty();
    }

    /** Unmodifiable nested view: values are String or Map. */
    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(root);
    }

    /** The body was not a well-formed form. */
    public static final class MalformedForm extends Refusal {
        public MalformedForm(String description) {
            super(Kind.INVALID, description);
        }
    }
}
