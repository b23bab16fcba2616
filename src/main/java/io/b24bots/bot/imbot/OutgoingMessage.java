package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message a bot sends or edits: text with BB-code ({@link BbCode}), attachments, a keyboard, the
 * message it replies to (v2; v1 has no reply), a system flag and link previews.
 */
public final class OutgoingMessage {

    private final String text;
    private final List<Attachment> attachments = new ArrayList<>();
    private Keyboard keyboard;
    private Long replyTo;
    private boolean system;
    private Boolean urlPreview;
    private Menu menu;

    private OutgoingMessage(String text) {
        this.text = text == null ? "" : text;
    }

    public static OutgoingMessage text(String text) {
        return new OutgoingMessage(text);
    }

    public OutgoingMessage attach(Attachment attachment) {
        attachments.add(attachment);
        return this;
    }

    public OutgoingMessage keyboard(Keyboard keyboard) {
        this.keyboard = keyboard;
        return this;
    }

    /** Items of the message's context menu; v1 bots only (a v2 message has no context menu). */
    public OutgoingMessage menu(Menu menu) {
        this.menu = menu;
        return this;
    }

    Menu menu() {
        return menu;
    }

    public OutgoingMessage replyTo(long messageId) {
        this.replyTo = messageId;
        return this;
    }

    public OutgoingMessage system() {
        this.system = true;
        return this;
    }

    public OutgoingMessage urlPreview(boolean show) {
        this.urlPreview = show;
        return this;
    }

    public String text() {
        return text;
    }

    public Long replyTo() {
        return replyTo;
    }

    public Keyboard keyboard() {
        return keyboard;
    }

    List<Attachment> attachments() {
        return List.copyOf(attachments);
    }

    boolean isSystem() {
        return system;
    }

    Boolean urlPreview() {
        return urlPreview;
    }

    /** Nothing to show: Bitrix24 refuses an empty message, so it is not sent. */
    public boolean isEmpty() {
        return text.isBlank() && attachments.stream().allMatch(Attachment::isEmpty);
    }

    /** v1 parameters ({@code MESSAGE, ATTACH, KEYBOARD, SYSTEM, URL_PREVIEW}). */
    Map<String, Object> v1() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("MESSAGE", text);
        if (!attachments.isEmpty()) {
            p.put("ATTACH", attach());
        }
        if (keyboard != null && !keyboard.isEmpty()) {
            p.put("KEYBOARD", keyboard.toBitrix());
        }
        if (menu != null && !menu.isEmpty()) {
            p.put("MENU", menu.toBitrix());
        }
        if (system) {
            p.put("SYSTEM", "Y");
        }
        if (urlPreview != null) {
            p.put("URL_PREVIEW", urlPreview ? "Y" : "N");
        }
        return p;
    }

    /** v2 {@code fields} ({@code message, attach, keyboard, replyId, system, urlPreview}). */
    Map<String, Object> v2(boolean withReply) {
        if (menu != null && !menu.isEmpty()) {
            throw new IllegalArgumentException("A v2 message has no context menu (MENU is a v1 message field)");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("message", text);
        if (!attachments.isEmpty()) {
            f.put("attach", attach());
        }
        if (keyboard != null && !keyboard.isEmpty()) {
            f.put("keyboard", keyboard.toBitrix());
        }
        if (withReply && replyTo != null) {
            f.put("replyId", replyTo);
        }
        if (system) {
            f.put("system", true);
        }
        if (urlPreview != null) {
            f.put("urlPreview", urlPreview);
        }
        return f;
    }

    /**
     * v1 {@code imbot.message.update} parameters. Per its page, a MESSAGE given empty deletes the message
     * and one not given keeps the text; ATTACH and KEYBOARD "An empty value or N" clear them, not given
     * keep them. So the text goes only when there is one, and an attachment or keyboard this version no
     * longer has is cleared with "N". An edit with nothing at all is refused: Bitrix24 would delete the message.
     */
    Map<String, Object> v1Update() {
        requireSomething();
        Map<String, Object> p = new LinkedHashMap<>();
        if (!text.isBlank()) {
            p.put("MESSAGE", text);
        }
        p.put("ATTACH", attachments.isEmpty() ? "N" : attach());
        p.put("KEYBOARD", keyboard == null || keyboard.isEmpty() ? "N" : keyboard.toBitrix());
        if (urlPreview != null) {
            p.put("URL_PREVIEW", urlPreview ? "Y" : "N");
        }
        return p;
    }

    /**
     * v2 {@code imbot.v2.Chat.Message.update} {@code fields}: a keyboard this version no longer has is
     * removed with "N" (its page), an attachment likewise (the page is silent; the core clears it for "N"),
     * and {@code urlPreview} is the string Y/N the page gives. A message left with no text, attachment or
     * keyboard would be deleted by the core, so such an edit is refused.
     */
    Map<String, Object> v2Update() {
        requireSomething();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("message", text);
        f.put("attach", attachments.isEmpty() ? "N" : attach());
        f.put("keyboard", keyboard == null || keyboard.isEmpty() ? "N" : keyboard.toBitrix());
        if (urlPreview != null) {
            f.put("urlPreview", urlPreview ? "Y" : "N");
        }
        return f;
    }

    private void requireSomething() {
        if (isEmpty() && (keyboard == null || keyboard.isEmpty())) {
            throw new IllegalArgumentException("An edit with no text, attachment or keyboard would make Bitrix24 delete the "
                    + "message; call delete(messageId) for that");
        }
    }

    private Object attach() {
        // One attachment in the full form; several as the blocks of all, in order.
        if (attachments.size() == 1) {
            return attachments.getFirst().toBitrix();
        }
        List<Object> blocks = new ArrayList<>();
        attachments.forEach(a -> blocks.addAll((List<?>) a.toBitrix().get("BLOCKS")));
        return blocks;
    }
}
