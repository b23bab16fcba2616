package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A rich block under a bot's message ({@code ATTACH}, the same blocks in v1 and v2): text, links,
 * images, name/value grids and delimiters, optionally with a coloured bar.
 */
public final class Attachment {

    private final List<Map<String, Object>> blocks = new ArrayList<>();
    private String color;

    public static Attachment create() {
        return new Attachment();
    }

    /** The colour of the bar on the left, {@code #rrggbb}. */
    public Attachment color(String hex) {
        if (hex == null || !hex.matches("#[0-9a-fA-F]{6}")) {
            throw new IllegalArgumentException("An attachment colour is #rrggbb");
        }
        this.color = hex;
        return this;
    }

    /** A text block (BB-code allowed, see {@link BbCode}). */
    public Attachment text(String text) {
        blocks.add(Map.of("MESSAGE", text));
        return this;
    }

    public Attachment link(String name, String url, String description) {
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("NAME", name);
        link.put("LINK", url);
        if (description != null) {
            link.put("DESC", description);
        }
        blocks.add(Map.of("LINK", link));
        return this;
    }

    public Attachment image(String url, String name) {
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("LINK", url);
        if (name != null) {
            image.put("NAME", name);
        }
        blocks.add(Map.of("IMAGE", List.of(image)));
        return this;
    }

    /** A row of a name/value table. */
    public Attachment field(String name, String value) {
        blocks.add(Map.of("GRID", List.of(Map.of("NAME", name, "VALUE", value, "DISPLAY", "LINE"))));
        return this;
    }

    public Attachment delimiter() {
        blocks.add(Map.of("DELIMITER", Map.of("SIZE", 200, "COLOR", "#c2c2c2")));
        return this;
    }

    /** Any other block, as the Bitrix24 ATTACH page describes it (one top-level key). */
    public Attachment block(String type, Object value) {
        blocks.add(Map.of(type, value));
        return this;
    }

    /** The block types of the attachment page ({@code BLOCKS} keys). */
    private static final Set<String> BLOCK_TYPES = Set.of("MESSAGE", "LINK", "USER", "GRID", "IMAGE", "FILE", "DELIMITER");
    /** Bitrix24 refuses a larger attachment (ATTACH_OVERSIZE: 30 KB on the v1 pages, 60,000 characters on v2's). */
    static final int MAX_CHARS = 30_000;

    /**
     * An attachment given in Bitrix24's own form, full ({@code {COLOR, COLOR_TOKEN, BLOCKS}}) or short
     * (the array of blocks), checked as the attachment page has it: each block one of its types.
     */
    public static Attachment of(Object given) {
        Attachment attachment = new Attachment();
        List<?> blocks;
        if (given instanceof Map<?, ?> full) {
            for (Object key : full.keySet()) {
                if (!Set.of("ID", "COLOR", "COLOR_TOKEN", "BLOCKS").contains(String.valueOf(key))) {
                    throw new IllegalArgumentException("attach." + key + " is not an attachment field");
                }
            }
            if (full.get("COLOR") != null) {
                attachment.color(String.valueOf(full.get("COLOR")));
            }
            if (!(full.get("BLOCKS") instanceof List<?> list)) {
                throw new IllegalArgumentException("attach.BLOCKS must be an array of blocks");
            }
            blocks = list;
        } else if (given instanceof List<?> list) {
            blocks = list;
        } else {
            throw new IllegalArgumentException("attach must be an object with BLOCKS or an array of blocks");
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (!(blocks.get(i) instanceof Map<?, ?> block) || block.size() != 1
                    || !BLOCK_TYPES.contains(String.valueOf(block.keySet().iterator().next()))) {
                throw new IllegalArgumentException("attach block " + i + " must be one of " + new TreeSet<>(BLOCK_TYPES)
                        + ", each an object with that one key");
            }
            Map.Entry<?, ?> only = block.entrySet().iterator().next();
            attachment.blocks.add(Map.of(String.valueOf(only.getKey()), only.getValue()));
        }
        if (attachment.blocks.isEmpty()) {
            throw new IllegalArgumentException("attach has no block");
        }
        return attachment;
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** The full form: {@code {COLOR, BLOCKS}}. */
    public Map<String, Object> toBitrix() {
        Map<String, Object> attach = new LinkedHashMap<>();
        if (color != null) {
            attach.put("COLOR", color);
        }
        attach.put("BLOCKS", List.copyOf(blocks));
        return attach;
    }
}
