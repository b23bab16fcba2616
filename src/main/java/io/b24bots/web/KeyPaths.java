package io.b24bots.web;

import java.util.Arrays;
import java.util.List;

/**
 * The key paths of form field names seen before, looked up by the name's raw bytes as they stand in
 * the body: Bitrix24's bodies repeat the same few dozen names, so each is decoded and split once,
 * not in every event, and a known name costs no string at all. Names come from outside, so the table
 * is bounded by construction: one slot per hash, a name pushes out the one in its slot, and names
 * longer than {@link #MAX_NAME_BYTES} are not kept. A flood of names (or of colliding ones) only
 * costs the split it would have cost anyway.
 *
 * <p>Slots are written without locks: an entry is immutable, so a reader sees a whole entry, an
 * older one or none.
 */
final class KeyPaths {

    static final int SLOTS = 4_096;
    static final int MAX_NAME_BYTES = 100;

    private record Entry(byte[] name, List<String> path) {
    }

    private final Entry[] slots = new Entry[SLOTS];

    /** The path kept for the name in {@code body[from, to)}, or null. */
    List<String> get(byte[] body, int from, int to) {
        Entry entry = slots[slot(body, from, to)];
        return entry != null && Arrays.equals(entry.name(), 0, entry.name().length, body, from, to) ? entry.path() : null;
    }

    void put(byte[] body, int from, int to, List<String> path) {
        if (to - from <= MAX_NAME_BYTES) {
            slots[slot(body, from, to)] = new Entry(Arrays.copyOfRange(body, from, to), path);
        }
    }

    int size() {
        int kept = 0;
        for (Entry entry : slots) {
            kept += entry == null ? 0 : 1;
        }
        return kept;
    }

    private static int slot(byte[] body, int from, int to) {
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + body[i];
        }
        // The high bits folded in: names that differ only near their start still spread.
        return (hash ^ (hash >>> 16)) & (SLOTS - 1);
    }
}
