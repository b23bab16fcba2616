package io.b24bots.web;

import java.util.Arrays;

/**
 * What was made of form names (or parts of names) seen before, looked up by their raw bytes as they
 * stand in the body: Bitrix24's bodies repeat the same few dozen names, so each is decoded and split
 * once, not in every event, and a known name costs no string at all. Names come from outside, so the
 * table is bounded by construction: one slot per hash, a name pushes out the one in its slot, and
 * names longer than {@link #MAX_NAME_BYTES} are not kept. A flood of names (or of colliding ones)
 * only costs the work it would have cost anyway.
 *
 * <p>Slots are written without locks: an entry is immutable, so a reader sees a whole entry, an
 * older one or none.
 */
final class NameTable<V> {

    static final int MAX_NAME_BYTES = 100;

    private record Entry<V>(byte[] name, V value) {
    }

    private final Entry<V>[] slots;

    /** {@code slots} must be a power of two. */
    @SuppressWarnings("unchecked")
    NameTable(int slots) {
        this.slots = new Entry[slots];
    }

    /** The value kept for the name in {@code body[from, to)}, or null. */
    V get(byte[] body, int from, int to) {
        Entry<V> entry = slots[slot(body, from, to)];
        return entry != null && Arrays.equals(entry.name(), 0, entry.name().length, body, from, to) ? entry.value() : null;
    }

    void put(byte[] body, int from, int to, V value) {
        if (to - from <= MAX_NAME_BYTES) {
            slots[slot(body, from, to)] = new Entry<>(Arrays.copyOfRange(body, from, to), value);
        }
    }

    int capacity() {
        return slots.length;
    }

    int size() {
        int kept = 0;
        for (Entry<V> entry : slots) {
            kept += entry == null ? 0 : 1;
        }
        return kept;
    }

    private int slot(byte[] body, int from, int to) {
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + body[i];
        }
        // The high bits folded in: names that differ only near their start still spread.
        return (hash ^ (hash >>> 16)) & (slots.length - 1);
    }
}
