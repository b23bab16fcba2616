package io.b24bots.bot.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a group message is found addressed to a bot that sees every message of its chats (v1 S, v2
 * supervisor and personal), by every sign the Bitrix24 pages give for v1 and v2 events.
 */
class GroupAddressingTest {

    static final long BOT = 567;
    final ObjectMapper json = new ObjectMapper();

    @Test
    void v1MentionedListAsAMapOrAListNamesTheBot() throws Exception {
        assertThat(Mentions.v1Addressed(params("{\"MENTIONED_LIST\":{\"567\":\"567\"}}"), "hi", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{\"MENTIONED_LIST\":[\"12\",\"567\"]}"), "hi", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{\"MENTIONED_LIST\":{\"12\":\"12\"}}"), "hi", BOT)).isFalse();
    }

    /** imbot.register's page: "a response to the bot upon explicit mention can be checked via TO_USER_ID". */
    @Test
    void v1ToUserIdNamesTheBot() throws Exception {
        assertThat(Mentions.v1Addressed(params("{\"TO_USER_ID\":\"567\"}"), "hi", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{\"TO_USER_ID\":\"0\"}"), "hi", BOT)).isFalse();
    }

    @Test
    void theMarkInTheOriginalTextWithOrWithoutReplace() throws Exception {
        assertThat(Mentions.v1Addressed(params("{}"), "[USER=567]Bot[/USER], hi", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{}"), "[user=567 replace]Bot[/user] hi", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{}"), "[USER=5678]Other[/USER] hi", BOT)).isFalse();
        assertThat(Mentions.mentions("[USER=567 REPLACE]Bot[/USER] hi", BOT)).isTrue();
        assertThat(Mentions.withoutMention("[USER=567 REPLACE]Bot[/USER], how are you", BOT)).isEqualTo("how are you");
    }

    /** A mention of everyone addresses every member, bots included, in v1 and in v2's text alike. */
    @Test
    void aMentionOfEveryoneAddressesTheBot() throws Exception {
        assertThat(Mentions.addressedInText("[USER=all]everyone[/USER], stand-up now", BOT)).isTrue();
        assertThat(Mentions.v1Addressed(params("{}"), "[user=ALL]All[/user] hi", BOT)).isTrue();
        assertThat(Mentions.addressedInText("all of you, stand-up now", BOT)).isFalse();
    }

    /** The quick check before any pattern runs finds a mark wherever it stands, in any case, and only a mark. */
    @Test
    void theQuickCheckFindsEveryMarkAndNothingElse() {
        assertThat(Mentions.hasMark("[b]bold[/b] then [UsEr=567]Bot[/USER]")).isTrue();
        assertThat(Mentions.hasMark("[user=all]")).isTrue();
        assertThat(Mentions.hasMark("a user= without its bracket, [b]x[/b], [")).isFalse();
        assertThat(Mentions.hasMark(null)).isFalse();
        assertThat(Mentions.withoutMention("  plain text  ", BOT)).isEqualTo("plain text");
        assertThat(Mentions.addressedInText("[b]no mention[/b]", BOT)).isFalse();
    }

    private JsonNode params(String text) throws Exception {
        return json.readTree(text);
    }
}
