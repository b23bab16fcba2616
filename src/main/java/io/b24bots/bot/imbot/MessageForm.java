package io.b24bots.bot.imbot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A message as the vendor's API takes it and the send queue keeps it: {@code text}, {@code keyboard}
 * (buttons in the form of Bitrix24's keyboard page), {@code attach} (the attachment page's full or
 * short form), {@code replyTo}, {@code system}, {@code urlPreview}. Read with the rules the pages
 * give, so a message Bitrix24 would refuse is refused here, naming the field.
 */
public final class MessageForm {

    /** Bitrix24 takes at most this much text in one message and cuts the rest. */
    static final int MAX_TEXT = 20_000;
    private static final List<String> FIELDS = List.of("text", "keyboard", "attach", "menu", "replyTo", "system", "urlPreview");

    private MessageForm() {
    }

    /** The message a form describes; {@link IllegalArgumentException} naming what is wrong. */
    public static OutgoingMessage read(JsonNode form, ObjectMapper json) {
        if (form == null || !form.isObject()) {
            throw new IllegalArgumentException("the message must be a JSON object");
        }
        form.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name) && !name.equals("dialogId")) {
                throw new IllegalArgumentException(name + " is not a message field (" + String.join(", ", FIELDS) + ")");
            }
        });
        JsonNode text = form.path("text");
        if (!text.isMissingNode() && !text.isTextual()) {
            throw new IllegalArgumentException("text must be a string");
        }
        if (text.asText("").length() > MAX_TEXT) {
            throw new IllegalArgumentException("text is longer than Bitrix24 takes (" + MAX_TEXT + " characters)");
        }
        OutgoingMessage message = OutgoingMessage.text(text.asText(""));
        if (form.hasNonNull("keyboard")) {
            if (!form.get("keyboard").isArray()) {
                throw new IllegalArgumentException("keyboard must be an array of buttons");
            }
            message.keyboard(Keyboard.of(json.convertValue(form.get("keyboard"), List.class)));
        }
        if (form.hasNonNull("attach")) {
            Attachment attachment = Attachment.of(json.convertValue(form.get("attach"), Object.class));
            if (length(attachment.toBitrix(), json) > Attachment.MAX_CHARS) {
                throw new IllegalArgumentException("attach is larger than Bitrix24 takes (30 KB)");
            }
            message.attach(attachment);
        }
        if (form.hasNonNull("menu")) {
            message.menu(Menu.of(json.convertValue(form.get("menu"), Object.class)));
        }
        if (form.hasNonNull("replyTo")) {
            if (!form.get("replyTo").canConvertToExactIntegral() || form.get("replyTo").asLong() <= 0) {
                throw new IllegalArgumentException("replyTo must be a message id");
            }
            message.replyTo(form.get("replyTo").asLong());
        }
        if (form.hasNonNull("system")) {
            if (!form.get("system").isBoolean()) {
                throw new IllegalArgumentException("system must be true or false");
            }
            if (form.get("system").asBoolean()) {
                message.system();
            }
        }
        if (form.hasNonNull("urlPreview")) {
            if (!form.get("urlPreview").isBoolean()) {
                throw new IllegalArgumentException("urlPreview must be true or false");
            }
            message.urlPreview(form.get("urlPreview").asBoolean());
        }
        if (message.isEmpty()) {
            throw new IllegalArgumentException("the message has no text and no attachment");
        }
        return message;
    }

    /** The form of a message, which {@link #read} gives back. */
    public static Map<String, Object> write(OutgoingMessage message) {
        Map<String, Object> form = new LinkedHashMap<>();
        form.put("text", message.text());
        if (message.keyboard() != null && !message.keyboard().isEmpty()) {
            form.put("keyboard", message.keyboard().toBitrix());
        }
        List<Attachment> attachments = message.attachments();
        if (!attachments.isEmpty()) {
            List<Object> blocks = new ArrayList<>();
            attachments.forEach(a -> blocks.addAll((List<?>) a.toBitrix().get("BLOCKS")));
            Object color = attachments.getFirst().toBitrix().get("COLOR");
            Map<String, Object> attach = new LinkedHashMap<>();
            if (color != null) {
                attach.put("COLOR", color);
            }
            attach.put("BLOCKS", blocks);
            form.put("attach", attach);
        }
        if (message.menu() != null && !message.menu().isEmpty()) {
            form.put("menu", message.menu().toBitrix());
        }
        if (message.replyTo() != null) {
            form.put("replyTo", message.replyTo());
        }
        if (message.isSystem()) {
            form.put("system", true);
        }
        if (message.urlPreview() != null) {
            form.put("urlPreview", message.urlPreview());
        }
        return form;
    }

    private static int length(Object value, ObjectMapper json) {
        try {
            return json.writeValueAsString(value).length();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("attach cannot be written as JSON");
        }
    }
}
