package io.b24bots.bot.declaration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import io.b24bots.bot.Bot;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.EventMode;
import io.b24bots.bot.declaration.BotsConfig.BotDeclaration;
import io.b24bots.config.B24Config;
import io.b24bots.outbound.OutboundAddresses;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The validated bot declarations. The rules are those of the two Bitrix24 pages the product is
 * specified from ({@code imbot.register} and {@code imbot.v2.Bot.register}); a declaration that
 * breaks one stops start-up with a message naming the property, instead of failing later in
 * every portal.
 */
@Startup
@Singleton
public class BotCatalog {

    static final int MAX_V1_BOTS = 5;
    static final int MAX_V2_BOTS = 100;
    static final int MAX_AVATAR_PX = 5000;
    static final Set<String> V2_TYPES = Set.of("bot", "supervisor", "personal", "openline", "network");
    static final Set<String> V1_TYPES = Set.of("B", "O", "H", "S");
    static final Set<String> BACKGROUNDS = Set.of("azure", "mint", "steel", "slate", "teal", "cornflower", "sky", "peach", "frost");
    static final Set<String> V1_COLORS = Set.of("RED", "GREEN", "MINT", "LIGHT_BLUE", "DARK_BLUE", "PURPLE", "AQUA", "PINK",
            "LIME", "BROWN", "AZURE", "KHAKI", "SAND", "MARENGO", "GRAY", "GRAPHITE");
    /** The colour codes of imbot.v2 (the "available colours" table of imbot.v2.Chat.add), not hex values. */
    static final Set<String> V2_COLORS = Set.of("red", "green", "mint", "lightBlue", "darkBlue", "purple", "aqua", "pink",
            "lime", "brown", "azure", "khaki", "sand", "marengo", "gray", "graphite");
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
    private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9]{1,100}");

    private final List<BotDefinition> bots;
    private final Map<String, BotDefinition> byCode = new HashMap<>();

    @Inject
    BotCatalog(BotsConfig config, B24Config app) {
        this(validate(config));
        if (bots.isEmpty() && LaunchMode.current() == LaunchMode.NORMAL) {
            throw new IllegalStateException("No bot is declared: set b24.bots.<id>.* (for example b24.bots.support.code,"
                    + " b24.bots.support.name, or the environment variables B24_BOTS_SUPPORT_CODE, B24_BOTS_SUPPORT_NAME);"
                    + " the example bots exist in dev mode only");
        }
        for (BotDefinition bot : bots) {
            if (bot.api() == BotApi.V1 || bot.eventMode() == EventMode.WEBHOOK) {
                requirePublicUrl(app);
            }
        }
    }

    BotCatalog(List<BotDefinition> bots) {
        this.bots = Collections.unmodifiableList(bots);
        for (BotDefinition bot : bots) {
            byCode.put(bot.code(), bot);
        }
    }

    public List<BotDefinition> all() {
        return bots;
    }

    public Optional<BotDefinition> byCode(String code) {
        return Optional.ofNullable(byCode.get(code));
    }

    /** Checks every declaration; the first broken rule is thrown as IllegalStateException. */
    public static List<BotDefinition> validate(BotsConfig config) {
        List<BotDefinition> bots = new ArrayList<>();
        Map<String, String> codes = new HashMap<>();
        for (Map.Entry<String, BotDeclaration> entry : new TreeMap<>(config.bots()).entrySet()) {
            BotDefinition bot = validate(entry.getKey(), entry.getValue());
            String other = codes.put(bot.code(), entry.getKey());
            if (other != null) {
                throw invalid(entry.getKey(), "code", "'" + bot.code() + "' is also the code of b24.bots." + other
                        + " (a code must be unique within the application; a v1 CODE must even be unique"
                        + " across the whole portal, other applications' bots included)");
            }
            bots.add(bot);
        }
        long v1 = bots.stream().filter(b -> b.api() == BotApi.V1).count();
        long v2 = bots.size() - v1;
        if (v1 > MAX_V1_BOTS) {
            throw new IllegalStateException("Invalid b24.bots: " + v1 + " v1 bots declared; imbot.register allows at most "
                    + MAX_V1_BOTS + " per application");
        }
        if (v2 > MAX_V2_BOTS) {
            throw new IllegalStateException("Invalid b24.bots: " + v2 + " v2 bots declared; imbot.v2.Bot.register allows at most "
                    + MAX_V2_BOTS + " per application");
        }
        return bots;
    }

    private static BotDefinition validate(String id, BotDeclaration d) {
        String api = d.api().trim().toLowerCase(Locale.ROOT);
        if (!api.equals("v1") && !api.equals("v2")) {
            throw invalid(id, "api", "'" + d.api() + "' is not an API version (allowed: v2, v1)");
        }
        String code = text(d.code()).orElseThrow(() -> invalid(id, "code", "is required"));
        if (!CODE.matcher(code).matches()) {
            throw invalid(id, "code", "'" + code + "' must be 1-100 letters, digits, '_', '.' or '-'");
        }
        String avatar = d.avatar().map(path -> avatarBase64(id, path)).orElse(null);
        String gender = text(d.gender()).orElse(null);
        if (gender != null && !gender.equals("M") && !gender.equals("F")) {
            throw invalid(id, "gender", "'" + gender + "' is not allowed (M or F)");
        }
        return api.equals("v2") ? v2(id, d, code, avatar, gender) : v1(id, d, code, avatar, gender);
    }

    private static BotDefinition v2(String id, BotDeclaration d, String code, String avatar, String gender) {
        String type = text(d.type()).orElse("bot");
        if (!V2_TYPES.contains(type)) {
            throw invalid(id, "type", "'" + type + "' is not a v2 bot type (allowed: bot, supervisor, personal, openline, network)");
        }
        String modeText = text(d.eventMode()).orElse(EventMode.FETCH.value());
        EventMode eventMode = EventMode.of(modeText);
        if (eventMode == null) {
            throw invalid(id, "event-mode", "'" + modeText + "' is not allowed (fetch or webhook)");
        }
        String name = text(d.name()).orElseThrow(() -> invalid(id, "name", "is required for a v2 bot (properties.name)"));
        String background = text(d.backgroundId()).orElse(null);
        if (background != null && !BACKGROUNDS.contains(background)) {
            throw invalid(id, "background-id", "'" + background + "' is not a Bitrix24 chat background (allowed: "
                    + String.join(", ", new TreeSet<>(BACKGROUNDS)) + ")");
        }
        String color = text(d.color()).orElse(null);
        if (color != null && !V2_COLORS.contains(color)) {
            throw invalid(id, "color", "'" + color + "' is not a v2 colour code (allowed: "
                    + String.join(", ", new TreeSet<>(V2_COLORS)) + "; not a hex value)");
        }
        refuseOnV2(id, "email", d.email());
        refuseOnV2(id, "birthday", d.birthday());
        refuseOnV2(id, "www", d.www());
        refuseOnV2(id, "openline", d.openline());
        return new BotDefinition(id, BotApi.V2, code, type, eventMode, name, text(d.lastName()).orElse(null),
                text(d.workPosition()).orElse(null), color, gender, avatar, null, null, null,
                false, d.isHidden().orElse(null), d.isReactionsEnabled().orElse(null), d.isSupportOpenline().orElse(null),
                background, text(d.welcomeMessage()).orElse(null), d.handler(), allGroupMessages(id, d), commands(id, d),
                settings(id, d), welcome(id, d));
    }

    private static BotDefinition v1(String id, BotDeclaration d, String code, String avatar, String gender) {
        String type = text(d.type()).orElse("B");
        if (!V1_TYPES.contains(type)) {
            throw invalid(id, "type", "'" + type + "' is not a v1 bot type (allowed: B, O, H, S)");
        }
        if (d.eventMode().isPresent()) {
            throw invalid(id, "event-mode", "applies to v2 bots only; v1 bots always receive events at the handler URLs");
        }
        String name = text(d.name()).orElse(null);
        String lastName = text(d.lastName()).orElse(null);
        if (name == null && lastName == null) {
            throw invalid(id, "name", "a v1 bot needs a name or a last name (PROPERTIES.NAME or LAST_NAME)");
        }
        String color = text(d.color()).orElse(null);
        if (color != null && !V1_COLORS.contains(color)) {
            throw invalid(id, "color", "'" + color + "' is not a v1 bot colour (allowed: "
                    + String.join(", ", new TreeSet<>(V1_COLORS)) + ")");
        }
        String birthday = text(d.birthday()).orElse(null);
        if (birthday != null) {
            try {
                if (!birthday.matches("\\d{4}-\\d{2}-\\d{2}")) {
                    throw new DateTimeException(birthday);
                }
                LocalDate.parse(birthday);
            } catch (DateTimeException e) {
                throw invalid(id, "birthday", "'" + birthday + "' is not a date in the form YYYY-MM-DD");
            }
        }
        String email = text(d.email()).orElse(null);
        if (email != null && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw invalid(id, "email", "'" + email + "' is not an e-mail address");
        }
        String openlineText = text(d.openline()).orElse("N");
        if (!openlineText.equals("Y") && !openlineText.equals("N")) {
            throw invalid(id, "openline", "'" + openlineText + "' is not allowed (Y or N)");
        }
        refuseOnV1(id, "is-hidden", d.isHidden());
        refuseOnV1(id, "is-reactions-enabled", d.isReactionsEnabled());
        refuseOnV1(id, "is-support-openline", d.isSupportOpenline());
        refuseOnV1(id, "background-id", d.backgroundId());
        // imbot.register forces OPENLINE=Y for open-line bots; say so in what is sent as well.
        boolean openline = type.equals("O") || openlineText.equals("Y");
        return new BotDefinition(id, BotApi.V1, code, type, null, name, lastName, text(d.workPosition()).orElse(null),
                color, gender, avatar, email, birthday, text(d.www()).orElse(null), openline, null, null, null, null,
                text(d.welcomeMessage()).orElse(null), d.handler(), allGroupMessages(id, d), commands(id, d),
                settings(id, d), welcome(id, d));
    }

    private static boolean allGroupMessages(String id, BotDeclaration d) {
        String value = d.groupMessages().trim();
        if (!value.equals("addressed") && !value.equals("all")) {
            throw invalid(id, "group-messages", "'" + value + "' is not allowed (addressed or all)");
        }
        return value.equals("all");
    }

    private static List<CommandDefinition> commands(String id, BotDeclaration d) {
        List<CommandDefinition> commands = new ArrayList<>();
        for (Map.Entry<String, BotsConfig.CommandDeclaration> entry : new TreeMap<>(d.commands()).entrySet()) {
            String name = entry.getKey();
            BotsConfig.CommandDeclaration c = entry.getValue();
            if (!COMMAND.matcher(name).matches()) {
                throw invalid(id, "commands." + name, "a command is Latin letters and digits, without spaces or a slash");
            }
            if (!c.hidden() && c.title().values().stream().allMatch(String::isBlank)) {
                throw invalid(id, "commands." + name + ".title", "a visible command needs a title, e.g. title.en");
            }
            for (String language : c.title().keySet()) {
                if (!language.matches("[a-z]{2}")) {
                    throw invalid(id, "commands." + name + ".title." + language, "the language is a two-letter code such as en");
                }
            }
            commands.add(new CommandDefinition(name.toLowerCase(Locale.ROOT), new TreeMap<>(c.title()),
                    new TreeMap<>(c.params()), c.common(), c.hidden(), c.extranetSupport(), c.handler().orElse(d.handler())));
        }
        return List.copyOf(commands);
    }

    private static Map<String, String> welcome(String id, BotDeclaration d) {
        Map<String, String> out = new TreeMap<>();
        d.welcome().forEach((language, text) -> {
            if (!language.matches("[a-z]{2}")) {
                throw invalid(id, "welcome." + language, "the language is a two-letter code such as en");
            }
            if (!text.isBlank()) {
                out.put(language, text);
            }
        });
        return Map.copyOf(out);
    }

    private static final Pattern SETTING = Pattern.compile("[a-z][a-z0-9-]{0,49}");

    private static List<SettingDefinition> settings(String id, BotDeclaration d) {
        List<SettingDefinition> settings = new ArrayList<>();
        for (Map.Entry<String, BotsConfig.SettingDeclaration> entry : new TreeMap<>(d.settings()).entrySet()) {
            String key = entry.getKey();
            BotsConfig.SettingDeclaration s = entry.getValue();
            String where = "settings." + key;
            if (!SETTING.matcher(key).matches()) {
                throw invalid(id, where, "a setting's key is lower-case letters, digits and '-', starting with a letter");
            }
            SettingDefinition.Type type;
            try {
                type = SettingDefinition.Type.valueOf(s.type().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw invalid(id, where + ".type", "'" + s.type() + "' is not allowed (text, number, flag or choice)");
            }
            List<String> options = s.options().orElse(List.of()).stream().map(String::trim).filter(o -> !o.isEmpty()).toList();
            if (type == SettingDefinition.Type.CHOICE && options.isEmpty()) {
                throw invalid(id, where + ".options", "a choice needs its options, comma-separated");
            }
            for (String language : s.label().keySet()) {
                if (!language.matches("[a-z]{2}")) {
                    throw invalid(id, where + ".label." + language, "the language is a two-letter code such as en");
                }
            }
            String fallback = switch (type) {
                case TEXT -> "";
                case NUMBER -> s.min().map(String::valueOf).orElse("0");
                case FLAG -> "false";
                case CHOICE -> options.getFirst();
            };
            SettingDefinition setting = new SettingDefinition(key, type, fallback, new TreeMap<>(s.label()), options,
                    s.min().orElse(null), s.max().orElse(null));
            String defaultValue;
            try {
                defaultValue = setting.check(s.defaultValue().orElse(fallback));
            } catch (IllegalArgumentException e) {
                throw invalid(id, where + ".default", e.getMessage());
            }
            settings.add(new SettingDefinition(key, type, defaultValue, setting.label(), options, setting.min(), setting.max()));
        }
        return List.copyOf(settings);
    }

    private static String avatarBase64(String id, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw invalid(id, "avatar", "no image file at '" + file + "'");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            Iterator<ImageReader> readers = in == null ? Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw invalid(id, "avatar", "'" + file + "' is not an image (PNG, JPEG, GIF or BMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > MAX_AVATAR_PX || height > MAX_AVATAR_PX) {
                    throw invalid(id, "avatar", "'" + file + "' is " + width + "x" + height + " px; Bitrix24 accepts at most "
                            + MAX_AVATAR_PX + "x" + MAX_AVATAR_PX);
                }
            } finally {
                reader.dispose();
            }
            return Base64.getEncoder().encodeToString(Files.readAllBytes(path));
        } catch (IOException e) {
            throw invalid(id, "avatar", "'" + file + "' could not be read as an image");
        }
    }

    private static void requirePublicUrl(B24Config app) {
        String url = app.publicUrl();
        if (!OutboundAddresses.secureScheme(url, app.allowHttp())) {
            throw new IllegalStateException("Invalid b24.public-url: '" + url + "' must be an https:// URL that Bitrix24 can reach"
                    + " (it becomes the bots' event handler URL)");
        }
    }

    private static void refuseOnV2(String id, String property, Optional<?> value) {
        if (value.isPresent()) {
            throw invalid(id, property, "applies to v1 bots only");
        }
    }

    private static void refuseOnV1(String id, String property, Optional<?> value) {
        if (value.isPresent()) {
            throw invalid(id, property, "applies to v2 bots only");
        }
    }

    private static Optional<String> text(Optional<String> value) {
        return value.map(String::trim).filter(v -> !v.isEmpty());
    }

    /** A declaration the service refuses to start with, naming the property to fix. */
    public static IllegalStateException invalid(String id, String property, String why) {
        return new IllegalStateException("Invalid b24.bots." + id + "." + property + ": " + why);
    }
}
