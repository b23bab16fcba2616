package io.b24bots.bot.declaration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

import io.b24bots.bot.BotApi;
import io.b24bots.bot.EventMode;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.declaration.CommandDefinition;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bot declarations are checked against the seed pages' rules; a broken one names its property. */
class BotCatalogTest {

    @TempDir
    Path dir;

    private static List<BotDefinition> validate(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(BotsConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return BotCatalog.validate(config.getConfigMapping(BotsConfig.class));
    }

    private static Map<String, String> bot(String id, String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put("b24.bots." + id + "." + keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static void refused(Map<String, String> properties, String property, String why) {
        assertThatThrownBy(() -> validate(properties)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(property).hasMessageContaining(why);
    }

    @Test
    void validDeclarationsGetTheSeedPagesDefaults() {
        List<BotDefinition> bots = validate(Map.of("b24.bots.a.code", "a", "b24.bots.a.name", "A",
                "b24.bots.b.api", "v1", "b24.bots.b.code", "b", "b24.bots.b.last-name", "B", "b24.bots.b.type", "O"));
        assertThat(bots).hasSize(2);
        assertThat(bots.get(0)).extracting(BotDefinition::api, BotDefinition::type, BotDefinition::eventMode)
                .containsExactly(BotApi.V2, "bot", EventMode.FETCH);
        assertThat(bots.get(1)).extracting(BotDefinition::api, BotDefinition::type, BotDefinition::openline)
                .containsExactly(BotApi.V1, "O", true);
    }

    @Test
    void requiredFields() {
        refused(bot("x", "name", "X"), "b24.bots.x.code", "is required");
        refused(bot("x", "code", "x"), "b24.bots.x.name", "required for a v2 bot");
        refused(bot("x", "api", "v1", "code", "x", "work-position", "p"), "b24.bots.x.name", "name or a last name");
        refused(bot("x", "api", "v3", "code", "x", "name", "X"), "b24.bots.x.api", "'v3'");
        refused(bot("x", "code", "has space", "name", "X"), "b24.bots.x.code", "letters, digits");
    }

    @Test
    void typesAndModesAllowedPerApi() {
        refused(bot("x", "code", "x", "name", "X", "type", "B"), "b24.bots.x.type", "not a v2 bot type");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "type", "supervisor"), "b24.bots.x.type", "not a v1 bot type");
        refused(bot("x", "code", "x", "name", "X", "event-mode", "push"), "b24.bots.x.event-mode", "fetch or webhook");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "event-mode", "fetch"), "b24.bots.x.event-mode", "v2 bots only");
        refused(bot("x", "code", "x", "name", "X", "background-id", "pink"), "b24.bots.x.background-id", "not a Bitrix24 chat background");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "color", "TEAL"), "b24.bots.x.color", "not a v1 bot colour");
        refused(bot("x", "code", "x", "name", "X", "gender", "X"), "b24.bots.x.gender", "M or F");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "birthday", "2020-13-01"), "b24.bots.x.birthday", "YYYY-MM-DD");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "openline", "yes"), "b24.bots.x.openline", "Y or N");
        refused(bot("x", "code", "x", "name", "X", "email", "a@b.c"), "b24.bots.x.email", "v1 bots only");
        refused(bot("x", "api", "v1", "code", "x", "name", "X", "is-hidden", "true"), "b24.bots.x.is-hidden", "v2 bots only");
    }

    @Test
    void avatarsMustBeImagesOfAtMost5000Pixels() throws IOException {
        Path notImage = Files.writeString(dir.resolve("avatar.txt"), "hello");
        refused(bot("x", "code", "x", "name", "X", "avatar", notImage.toString()), "b24.bots.x.avatar", "is not an image");
        refused(bot("x", "code", "x", "name", "X", "avatar", dir.resolve("missing.png").toString()), "b24.bots.x.avatar", "no image file");
        Path wide = dir.resolve("wide.png");
        ImageIO.write(new BufferedImage(5001, 1, BufferedImage.TYPE_BYTE_GRAY), "png", wide.toFile());
        refused(bot("x", "code", "x", "name", "X", "avatar", wide.toString()), "b24.bots.x.avatar", "5001x1 px");
        Path fine = dir.resolve("fine.png");
        ImageIO.write(new BufferedImage(5000, 5000, BufferedImage.TYPE_BYTE_GRAY), "png", fine.toFile());
        assertThat(validate(bot("x", "code", "x", "name", "X", "avatar", fine.toString())).getFirst().avatarBase64()).isNotBlank();
    }

    @Test
    void limitsPerApplication() {
        Map<String, String> six = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            six.putAll(bot("v1bot" + i, "api", "v1", "code", "c" + i, "name", "N"));
        }
        refused(six, "b24.bots", "at most 5");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 101; i++) {
            many.putAll(bot("v2bot" + i, "code", "c" + i, "name", "N"));
        }
        refused(many, "b24.bots", "at most 100");
        Map<String, String> twice = new HashMap<>(bot("a", "code", "same", "name", "A"));
        twice.putAll(bot("b", "code", "same", "name", "B"));
        refused(twice, "b24.bots.b.code", "also the code of b24.bots.a");
    }

    @Test
    void aMisspelledPropertyIsRefused() {
        assertThatThrownBy(() -> validate(bot("x", "code", "x", "name", "X", "colour", "RED")))
                .hasMessageContaining("b24.bots.x.colour");
    }

    @Test
    void v2ColoursAreTheColourCodesNotHexValues() {
        refused(bot("x", "code", "x", "name", "X", "color", "#df532d"), "b24.bots.x.color", "not a v2 colour code");
        refused(bot("x", "code", "x", "name", "X", "color", "RED"), "b24.bots.x.color", "lightBlue");
        assertThat(validate(bot("x", "code", "x", "name", "X", "color", "lightBlue")).getFirst().color()).isEqualTo("lightBlue");
    }

    @Test
    void commandsAndGroupMessagesAreDeclaredPerBot() {
        List<BotDefinition> bots = validate(bot("x", "code", "x", "name", "X", "group-messages", "all",
                "commands.help.title.en", "Help", "commands.help.title.ru", "Помощь", "commands.help.params.en", "topic",
                "commands.help.common", "true", "commands.secret.hidden", "true", "commands.secret.handler", "other"));
        BotDefinition x = bots.getFirst();
        assertThat(x.allGroupMessages()).isTrue();
        assertThat(x.commands()).extracting(CommandDefinition::command).containsExactly("help", "secret");
        assertThat(x.command("/HELP")).get().satisfies(c -> {
            assertThat(c.title()).containsEntry("en", "Help").containsEntry("ru", "Помощь");
            assertThat(c.params()).containsEntry("en", "topic");
            assertThat(c.common()).isTrue();
            assertThat(c.handler()).isEqualTo("echo");
        });
        assertThat(x.command("secret")).get().extracting(CommandDefinition::handler).isEqualTo("other");
        assertThat(validate(bot("y", "code", "y", "name", "Y")).getFirst().allGroupMessages()).isFalse();

        refused(bot("x", "code", "x", "name", "X", "commands.help.common", "true"), "b24.bots.x.commands.help.title", "needs a title");
        refused(bot("x", "code", "x", "name", "X", "commands.he-lp.title.en", "H"), "b24.bots.x.commands.he-lp", "Latin letters");
        refused(bot("x", "code", "x", "name", "X", "commands.help.title.english", "H"), "commands.help.title.english", "two-letter");
        refused(bot("x", "code", "x", "name", "X", "group-messages", "some"), "b24.bots.x.group-messages", "addressed or all");
    }

    @Test
    void settingsAreDeclaredWithTheirTypeDefaultAndValues() {
        BotDefinition x = validate(bot("x", "code", "x", "name", "X", "settings.greeting.label.en", "Greeting",
                "settings.limit.type", "number", "settings.limit.min", "1", "settings.limit.max", "9",
                "settings.quiet.type", "flag", "settings.tone.type", "choice", "settings.tone.options", "formal, casual")).getFirst();

        assertThat(x.settings()).extracting(SettingDefinition::key).containsExactly("greeting", "limit", "quiet", "tone");
        assertThat(x.setting("greeting")).get().satisfies(s -> {
            assertThat(s.defaultValue()).isEmpty();
            assertThat(s.label("ru")).as("English when there is no Russian label").isEqualTo("Greeting");
        });
        assertThat(x.setting("limit").orElseThrow().defaultValue()).isEqualTo("1");
        assertThat(x.setting("quiet").orElseThrow().defaultValue()).isEqualTo("false");
        assertThat(x.setting("tone").orElseThrow().defaultValue()).isEqualTo("formal");
        assertThat(x.setting("limit").orElseThrow().check(" 7 ")).isEqualTo("7");
        assertThatThrownBy(() -> x.setting("limit").orElseThrow().check("10")).hasMessageContaining("from 1 to 9");
        assertThatThrownBy(() -> x.setting("quiet").orElseThrow().check("maybe")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> x.setting("tone").orElseThrow().check("rude")).hasMessageContaining("formal, casual");

        refused(bot("x", "code", "x", "name", "X", "settings.Greeting.type", "text"), "settings.Greeting", "lower-case");
        refused(bot("x", "code", "x", "name", "X", "settings.tone.type", "colour"), "settings.tone.type", "text, number, flag or choice");
        refused(bot("x", "code", "x", "name", "X", "settings.tone.type", "choice"), "settings.tone.options", "needs its options");
        refused(bot("x", "code", "x", "name", "X", "settings.limit.type", "number", "settings.limit.max", "5",
                "settings.limit.default", "8"), "settings.limit.default", "from any to 5");
    }
}
