package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
