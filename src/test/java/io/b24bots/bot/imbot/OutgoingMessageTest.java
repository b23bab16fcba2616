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

    /**
     * An edit says what the message is now: a keyboard or attachment it no longer has is cleared with
     * "N"; a v1 edit without text leaves MESSAGE out (an empty one deletes the message); an edit of
     * nothing at all is refused, since Bitrix24 would delete the message.
     */
    @Test
    void anEditClearsWhatTheMessageNoLongerHasAndNeverDeletesIt() {
        OutgoingMessage plain = OutgoingMessage.text("second version").urlPreview(true);
        assertThat(plain.v1Update()).containsEntry("MESSAGE", "second version").containsEntry("ATTACH", "N")
                .containsEntry("KEYBOARD", "N").containsEntry("URL_PREVIEW", "Y").doesNotContainKey("SYSTEM");
        assertThat(plain.v2Update()).containsEntry("message", "second version").containsEntry("attach", "N")
                .containsEntry("keyboard", "N").containsEntry("urlPreview", "Y");

        OutgoingMessage buttonsOnly = OutgoingMessage.text("").keyboard(Keyboard.create().command("Go", "go", null));
        assertThat(buttonsOnly.v1Update()).doesNotContainKey("MESSAGE").containsKey("KEYBOARD");

        assertThatThrownBy(() -> OutgoingMessage.text(" ").v1Update()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delete");
        assertThatThrownBy(() -> OutgoingMessage.text("").v2Update()).isInstanceOf(IllegalArgumentException.class);
    }

    /** v1 messages need text (MESSAGE_EMPTY for an attachment alone); v2 takes an attachment alone. */
    @Test
    void anAttachmentAloneIsAV2MessageButNotAV1One() {
        OutgoingMessage attachmentOnly = OutgoingMessage.text("").attach(Attachment.create().text("a"));
        ImbotV1 v1 = new ImbotV1(null, null);
        assertThatThrownBy(() -> v1.sendCall(1, "7", attachmentOnly)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs text");
        assertThatThrownBy(() -> v1.answerCommandCall(1, 2, 3, "7", attachmentOnly)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ImbotV2(null, null).sendCall(1, "7", attachmentOnly).params()).containsKey("fields");
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

    /** A v1 message's context menu, as the menu page has it; v2 messages have none. */
    @Test
    void aV1MessageCarriesAContextMenu() {
        OutgoingMessage message = OutgoingMessage.text("Deal 7").menu(Menu.create().link("Open", "https://crm.example/7")
                .command("Close it", "/deal", "close 7").action("Copy the id", Keyboard.Action.COPY, "7"));

        assertThat(message.v1().get("MENU")).isEqualTo(Map.of("ITEMS", List.of(Map.of("TEXT", "Open", "LINK", "https://crm.example/7"),
                Map.of("TEXT", "Close it", "COMMAND", "deal", "COMMAND_PARAMS", "close 7"),
                Map.of("TEXT", "Copy the id", "ACTION", "COPY", "ACTION_VALUE", "7"))));
        assertThatThrownBy(() -> message.v2(true)).hasMessageContaining("no context menu");
        assertThatThrownBy(() -> Menu.create().link("Run", "javascript:alert(1)")).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> Menu.of(List.of(Map.of("TEXT", "Both", "LINK", "/a", "COMMAND", "b"))))
                .hasMessageContaining("exactly one");
    }

    /** Buttons and blocks given in Bitrix24's own form are checked as the keyboard and attachment pages have them. */
    @Test
    void buttonsAndBlocksInBitrixFormAreChecked() {
        Keyboard keyboard = Keyboard.of(List.of(Map.of("TEXT", "Call", "ACTION", "CALL", "ACTION_VALUE", "+100", "BG_COLOR", "#aabbcc"),
                Map.of("TYPE", "NEWLINE"), Map.of("TEXT", "Help", "COMMAND", "/help", "DISPLAY", "LINE")));
        assertThat(keyboard.toBitrix()).hasSize(3);
        assertThat(keyboard.toBitrix().get(2)).containsEntry("COMMAND", "help");
        assertThatThrownBy(() -> Keyboard.of(List.of(Map.of("TEXT", "x", "LINK", "/a", "ONCLICK", "y"))))
                .hasMessageContaining("keyboard[0].ONCLICK is not a button field");
        assertThatThrownBy(() -> Keyboard.of(List.of(Map.of("TEXT", "x", "ACTION", "PUT"))))
                .hasMessageContaining("ACTION and ACTION_VALUE go together");
        assertThatThrownBy(() -> Keyboard.of(List.of(Map.of("TEXT", "x", "LINK", "/a", "BG_COLOR", "red"))))
                .hasMessageContaining("#rrggbb");
        assertThat(Attachment.of(List.of(Map.of("MESSAGE", "a"), Map.of("DELIMITER", Map.of()))).toBitrix().get("BLOCKS"))
                .asList().hasSize(2);
        assertThatThrownBy(() -> Attachment.of(List.of(Map.of("SCRIPT", "x")))).hasMessageContaining("must be one of");
    }
}
