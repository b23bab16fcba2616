package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Items a v1 bot adds to its message's context menu ({@code MENU}): each opens a link, sends a
 * command to the bot, or acts on the user's side, as Bitrix24's context menu page describes them.
 * v2 messages have no context menu.
 */
public final class Menu {

    private static final Set<String> FIELDS = Set.of("TEXT", "LINK", "COMMAND", "COMMAND_PARAMS", "ACTION", "ACTION_VALUE",
            "DISABLED");
    private final List<Map<String, Object>> items = new ArrayList<>();

    public static Menu create() {
        return new Menu();
    }

    /** An item that opens {@code url} ({@code http(s)://} or a portal path). */
    public Menu link(String text, String url) {
        return add(Map.of("TEXT", text, "LINK", url));
    }

    /** An item that sends {@code /command params} to the bot, answered by the command's handler. */
    public Menu command(String text, String command, String params) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("TEXT", text);
        item.put("COMMAND", command);
        if (params != null && !params.isBlank()) {
            item.put("COMMAND_PARAMS", params);
        }
        return add(item);
    }

    /** An item that acts on the user's side, as a keyboard's action button does. */
    public Menu action(String text, Keyboard.Action action, String value) {
        return add(Map.of("TEXT", text, "ACTION", action.name(), "ACTION_VALUE", value));
    }

    /** Items given in Bitrix24's form (an array, or an object with {@code ITEMS}), checked as {@link #create} builds them. */
    public static Menu of(Object given) {
        List<?> list = given instanceof Map<?, ?> wrapped ? asList(wrapped.get("ITEMS")) : asList(given);
        Menu menu = new Menu();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> raw)) {
                throw new IllegalArgumentException("menu[" + i + "] is not an object");
            }
            Map<String, Object> item = new LinkedHashMap<>();
            raw.forEach((key, value) -> {
                if (!FIELDS.contains(String.valueOf(key)) || !(value instanceof String)) {
                    throw new IllegalArgumentException("menu." + key + " is not a menu item field, or not a string");
                }
                item.put(String.valueOf(key), value);
            });
            menu.add(item);
        }
        return menu;
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** The full form: {@code {ITEMS: [...]}}. */
    public Map<String, Object> toBitrix() {
        return Map.of("ITEMS", List.copyOf(items));
    }

    private Menu add(Map<String, Object> item) {
        if (!(item.get("TEXT") instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("A menu item needs a TEXT");
        }
        int actions = (item.containsKey("LINK") ? 1 : 0) + (item.containsKey("COMMAND") ? 1 : 0) + (item.containsKey("ACTION") ? 1 : 0);
        if (actions != 1) {
            throw new IllegalArgumentException("A menu item has exactly one of LINK, COMMAND or ACTION (with ACTION_VALUE)");
        }
        if (item.get("LINK") instanceof String link && !(link.startsWith("https://") || link.startsWith("http://")
                || link.startsWith("/"))) {
            throw new IllegalArgumentException("A menu link must be http(s):// or start with /");
        }
        if (item.containsKey("ACTION") && !Set.of("PUT", "SEND", "COPY", "CALL", "DIALOG").contains(item.get("ACTION"))) {
            throw new IllegalArgumentException("A menu ACTION is PUT, SEND, COPY, CALL or DIALOG");
        }
        if (item.containsKey("ACTION") != item.containsKey("ACTION_VALUE")) {
            throw new IllegalArgumentException("A menu item's ACTION and ACTION_VALUE go together");
        }
        if (item.get("COMMAND") instanceof String command && command.startsWith("/")) {
            item = new LinkedHashMap<>(item);
            item.put("COMMAND", command.substring(1));
        }
        items.add(item);
        return this;
    }

    private static List<?> asList(Object value) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("menu must be an array of items, or an object with ITEMS");
        }
        return list;
    }
}
