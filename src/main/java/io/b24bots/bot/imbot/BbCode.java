package io.b24bots.bot.imbot;

/** BB-code of Bitrix24 chat messages, with user text escaped so it cannot open tags of its own. */
public final class BbCode {

    private BbCode() {
    }

    /**
     * User-supplied text shown as written: an invisible zero-width space after every {@code [} keeps
     * it from opening a tag (Bitrix24 documents no escape for its BB-code), and a leading {@code >>}
     * from quoting.
     */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        String out = text.replace("[", "[\u200B").replace("\n>>", "\n\u200B>>");
        return out.startsWith(">>") ? "\u200B" + out : out;
    }

    public static String bold(String text) {
        return "[b]" + text + "[/b]";
    }

    public static String italic(String text) {
        return "[i]" + text + "[/i]";
    }

    public static String underline(String text) {
        return "[u]" + text + "[/u]";
    }

    public static String strike(String text) {
        return "[s]" + text + "[/s]";
    }

    public static String code(String text) {
        return "[code]" + text + "[/code]";
    }

    public static String quote(String text) {
        return ">>" + text.replace("\n", "\n>>");
    }

    public static String link(String url, String text) {
        return "[url=" + url + "]" + text + "[/url]";
    }

    /** A mention: the user is notified. */
    public static String user(long userId, String name) {
        return "[user=" + userId + "]" + name + "[/user]";
    }

    /** A button-like link that sends {@code text} as a message when clicked. */
    public static String send(String text, String label) {
        return "[send=" + text + "]" + label + "[/send]";
    }

    public static String newLine() {
        return "[br]";
    }
}
