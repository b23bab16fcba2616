package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
