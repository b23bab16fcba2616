package io.b24bots.bot.imbot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** One message, written once, becomes the parameters of v1 and of v2; user text cannot inject BB-code. */
class OutgoingMessageTest {

    @Test
    void theSameMessageInV1AndV2() {
        OutgoingMessage message = OutgoingMessage.text(BbCode.bold("Hi"))
                .attach(Attachment.create().text("a").delimiter())
                .keyboard(Keyboard.create().command("Go", "/go", "now").link("Docs", "/docs"))
                .replyTo(7).system().urlPreview(false);

        assertThat(message.v1()).containsEntry("MESSAGE", "[b]Hi[/b]").containsEntry("SYSTEM", "Y")
                .containsEntry("URL_PREVIEW", "N").doesNotContainKey("REPLY_ID")
                .containsEntry("KEYBOARD", List.of(Map.of("TEXT", "Go", "COMMAND", "go", "COMMAND_PARAMS", "now", "BLOCK", "Y"),
                        Map.of("TEXT", "Docs", "LINK", "/docs")));
        assertThat(message.v2(true)).containsEntry("message", "[b]Hi[/b]").containsEntry("replyId", 7L)
                .containsEntry("system", true).containsEntry("urlPreview", false).containsKeys("attach", "keyboard");
        assertThat(message.v2(false)).doesNotContainKey("replyId");
        assertThat(message.v1().get("ATTACH")).isEqualTo(Map.of("BLOCKS",
                List.of(Map.of("MESSAGE", "a"), Map.of("DELIMITER", Map.of("SIZE", 200, "COLOR", "#c2c2c2")))));
    }

    @Test
    void severalAttachmentsBecomeOneListOfBlocks() {
        OutgoingMessage message = OutgoingMessage.text("x").attach(Attachment.create().text("1"))
                .attach(Attachment.create().field("k", "v"));
        assertThat(message.v2(false).get("attach")).isEqualTo(List.of(Map.of("MESSAGE", "1"),
                Map.of("GRID", List.of(Map.of("NAME", "k", "VALUE", "v", "DISPLAY", "LINE")))));
    }

    @Test
    void anEmptyMessageIsNotSent() {
        assertThat(OutgoingMessage.text("  ").isEmpty()).isTrue();
        assertThat(OutgoingMessage.text("").attach(Attachment.create().text("a")).isEmpty()).isFalse();
    }

    @Test
    void userTextCannotOpenTagsOrQuotes() {
        String escaped = BbCode.escape("[b]x[/b]\n>>quote");
        assertThat(escaped).doesNotContain("[b]").doesNotContain("\n>>").contains("x");
        assertThat(escaped.replace("\u200B", "")).isEqualTo("[b]x[/b]\n>>quote");
        assertThat(BbCode.escape(">>q")).startsWith("\u200B");
        assertThat(BbCode.user(5, "Ann")).isEqualTo("[user=5]Ann[/user]");
    }

    @Test
    void badButtonsAndColoursAreRefused() {
        assertThatThrownBy(() -> Keyboard.create().link("x", "javascript:alert(1)")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keyboard.create().command(" ", "go")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Attachment.create().color("red")).isInstanceOf(IllegalArgumentException.class);
    }
}
