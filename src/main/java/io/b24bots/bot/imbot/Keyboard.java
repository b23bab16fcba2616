package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Buttons under a bot's message ({@code KEYBOARD}, the same button fields in v1 and v2): a button
 * either sends a command to the bot (answered through the command's handler) or opens a link.
 */
public final class Keyboard {

    private final List<Map<String, Object>> buttons = new ArrayList<>();

    public static Keyboard create() {
        return new Keyboard();
    }

    /** A button that calls {@code /command params} of this bot; the button is blocked after one press. */
    public Keyboard command(String text, String command, String params) {
        Map<String, Object> button = button(text);
        button.put("COMMAND", strip(command));
        if (params != null && !params.isEmpty()) {
            button.put("COMMAND_PARAMS", params);
        }
        button.put("BLOCK", "Y");
        buttons.add(button);
        return this;
    }

    /**
     * A command button with an id, which {@code ButtonRouter} routes a press of to its own method:
     * Bitrix24 sends {@code /command #id args}, and the id and args come back on the command.
     */
    public Keyboard button(String text, String command, String id, String args) {
        if (id == null || !id.matches("[A-Za-z0-9_.-]{1,50}")) {
            throw new IllegalArgumentException("A button id is 1 to 50 letters, digits, '_', '.' or '-'");
        }
        return command(text, command, "#" + id + (args == null || args.isBlank() ? "" : " " + args));
    }

    public Keyboard command(String text, String command) {
        return command(text, command, null);
    }

    /** A button that opens {@code url} ({@code http(s)://} or a portal path starting with {@code /}). */
    public Keyboard link(String text, String url) {
        if (url == null || !(url.startsWith("https://") || url.startsWith("http://") || url.startsWith("/"))) {
            throw new IllegalArgumentException("A keyboard link must be http(s):// or start with /");
        }
        Map<String, Object> button = button(text);
        button.put("LINK", url);
        buttons.add(button);
        return this;
    }

    /** What an {@link #action} button does on the user's side (the bot hears nothing of it). */
    public enum Action {
        /** Put {@code value} into the input field. */
        PUT,
        /** Send {@code value} as the user's message. */
        SEND,
        /** Copy {@code value} to the clipboard. */
        COPY,
        /** Call the phone number {@code value} (international format). */
        CALL,
        /** Open the chat {@code value} ({@code chat<id>} or a user id). */
        DIALOG
    }

    /** A button that acts on the user's side: {@link Action#PUT} text into the input field, and so on. */
    public Keyboard action(String text, Action action, String value) {
        if (action == null || value == null || value.isBlank()) {
            throw new IllegalArgumentException("An action button needs an action and its value");
        }
        Map<String, Object> button = button(text);
        button.put("ACTION", action.name());
        button.put("ACTION_VALUE", value);
        buttons.add(button);
        return this;
    }

    /** The following buttons start a new row. */
    public Keyboard newLine() {
        buttons.add(Map.of("TYPE", "NEWLINE"));
        return this;
    }

    public boolean isEmpty() {
        return buttons.isEmpty();
    }

    /** The buttons as Bitrix24 takes them (the short form, without a {@code BUTTONS} wrapper). */
    public List<Map<String, Object>> toBitrix() {
        return List.copyOf(buttons);
    }

    /** The button fields of the keyboard page, and the values each may take (null: any text). */
    private static final Map<String, Set<String>> FIELDS = Map.ofEntries(
            Map.entry("TEXT", Set.of()), Map.entry("TYPE", Set.of("NEWLINE")), Map.entry("LINK", Set.of()),
            Map.entry("COMMAND", Set.of()), Map.entry("COMMAND_PARAMS", Set.of()),
            Map.entry("ACTION", Set.of("PUT", "SEND", "COPY", "CALL", "DIALOG")), Map.entry("ACTION_VALUE", Set.of()),
            Map.entry("BLOCK", Set.of("Y", "N")), Map.entry("DISABLED", Set.of("Y", "N")),
            Map.entry("CONTEXT", Set.of("MOBILE", "DESKTOP", "ALL")), Map.entry("DISPLAY", Set.of("LINE", "BLOCK")),
            Map.entry("WIDTH", Set.of()), Map.entry("BG_COLOR", Set.of()), Map.entry("TEXT_COLOR", Set.of()),
            Map.entry("OFF_BG_COLOR", Set.of()), Map.entry("OFF_TEXT_COLOR", Set.of()),
            Map.entry("BG_COLOR_TOKEN", Set.of("primary", "secondary", "alert", "base")));
    private static final Pattern HEX = Pattern.compile("#[0-9a-fA-F]{6}");
    /** Bitrix24 refuses a larger keyboard (KEYBOARD_OVERSIZE: 30 KB, the v1 pages). */
    static final int MAX_CHARS = 30_000;

    /**
     * Buttons given in Bitrix24's own form (the keyboard page's fields), checked as the page has them:
     * each but a {@code TYPE=NEWLINE} has a {@code TEXT} and one action ({@code LINK},
     * {@code COMMAND}, or {@code ACTION} with {@code ACTION_VALUE}); links are http(s) or a portal path;
     * colours are {@code #rrggbb}. The message names the first button and field that is wrong.
     */
    public static Keyboard of(List<?> given) {
        Keyboard keyboard = new Keyboard();
        int chars = 0;
        for (int i = 0; i < given.size(); i++) {
            String where = "keyboard[" + i + "]";
            if (!(given.get(i) instanceof Map<?, ?> raw)) {
                throw new IllegalArgumentException(where + " is not an object");
            }
            Map<String, Object> button = new LinkedHashMap<>();
            for (Map.Entry<?, ?> field : raw.entrySet()) {
                String name = String.valueOf(field.getKey());
                Set<String> allowed = FIELDS.get(name);
                if (allowed == null) {
                    throw new IllegalArgumentException(where + "." + name + " is not a button field");
                }
                Object value = field.getValue();
                if (name.equals("WIDTH") ? !(value instanceof Number) : !(value instanceof String)) {
                    throw new IllegalArgumentException(where + "." + name + " must be a " + (name.equals("WIDTH") ? "number" : "string"));
                }
                if (!allowed.isEmpty() && !allowed.contains(value)) {
                    throw new IllegalArgumentException(where + "." + name + " must be one of " + new TreeSet<>(allowed));
                }
                if (name.endsWith("COLOR") && !HEX.matcher((String) value).matches()) {
                    throw new IllegalArgumentException(where + "." + name + " must be #rrggbb");
                }
                button.put(name, value);
                chars += name.length() + String.valueOf(value).length() + 6;
            }
            check(where, button);
            keyboard.buttons.add(button);
        }
        if (chars > MAX_CHARS) {
            throw new IllegalArgumentException("keyboard is larger than Bitrix24 takes (30 KB)");
        }
        return keyboard;
    }

    private static void check(String where, Map<String, Object> button) {
        if ("NEWLINE".equals(button.get("TYPE"))) {
            if (button.size() > 1) {
                throw new IllegalArgumentException(where + " is a TYPE=NEWLINE, which takes no other field");
            }
            return;
        }
        if (!(button.get("TEXT") instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException(where + ".TEXT is required");
        }
        int actions = (button.containsKey("LINK") ? 1 : 0) + (button.containsKey("COMMAND") ? 1 : 0)
                + (button.containsKey("ACTION") ? 1 : 0);
        if (actions != 1) {
            throw new IllegalArgumentException(where + " needs exactly one of LINK, COMMAND or ACTION (with ACTION_VALUE)");
        }
        if (button.get("LINK") instanceof String link && !(link.startsWith("https://") || link.startsWith("http://")
                || link.startsWith("/"))) {
            throw new IllegalArgumentException(where + ".LINK must be http(s):// or start with /");
        }
        if (button.containsKey("ACTION") != button.containsKey("ACTION_VALUE")) {
            throw new IllegalArgumentException(where + ".ACTION and ACTION_VALUE go together");
        }
        if (button.containsKey("COMMAND_PARAMS") && !button.containsKey("COMMAND")) {
            throw new IllegalArgumentException(where + ".COMMAND_PARAMS goes with COMMAND");
        }
        if (button.get("COMMAND") instanceof String command) {
            button.put("COMMAND", strip(command));
        }
    }

    private static Map<String, Object> button(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("A keyboard button needs a text");
        }
        Map<String, Object> button = new LinkedHashMap<>();
        button.put("TEXT", text);
        return button;
    }

    private static String strip(String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("A command button needs a command");
        }
        return command.startsWith("/") ? command.substring(1) : command;
    }
}
