package io.b24bots.bot.declaration;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.b24bots.bot.BotApi;
import io.b24bots.bot.EventMode;


/** One declared bot after validation: what is sent to Bitrix24 when it is registered. */
public record BotDefinition(
        String configId,
        BotApi api,
        String code,
        String type,
        /** v2 only: null for a v1 bot. */
        EventMode eventMode,
        String name,
        String lastName,
        String workPosition,
        String color,
        String gender,
        String avatarBase64,
        String email,
        String birthday,
        String www,
        boolean openline,
        Boolean isHidden,
        Boolean isReactionsEnabled,
        Boolean isSupportOpenline,
        String backgroundId,
        String welcomeMessage,
        String handler,
        /** Group-chat messages that do not address the bot reach its handler too. */
        boolean allGroupMessages,
        List<CommandDefinition> commands,
        /** What each portal's administrator may change, in the order declared keys sort. */
        List<SettingDefinition> settings,
        /** The welcome message per two-letter language, beside {@code welcomeMessage}. */
        Map<String, String> welcome) {

    /** The welcome message in {@code language}, else in English, else {@code welcome-message}; null for none. */
    public String welcomeFor(String language) {
        String text = language == null ? null : welcome.get(language.toLowerCase(Locale.ROOT));
        if (text == null) {
            text = welcome.get("en");
        }
        return text != null ? text : welcomeMessage;
    }

    /** The declared setting with this key. */
    public Optional<SettingDefinition> setting(String key) {
        return settings.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /** The declared command, matched without the slash and case-insensitively as Bitrix24 does. */
    public Optional<CommandDefinition> command(String name) {
        String bare = name == null ? "" : name.startsWith("/") ? name.substring(1) : name;
        return commands.stream().filter(c -> c.command().equalsIgnoreCase(bare)).findFirst();
    }

    /**
     * Whether Bitrix24 sends this bot every message of its group chats (v1 {@code S}, v2
     * {@code supervisor} and {@code personal}), not only the ones addressed to it: only for such a bot is
     * "addressed" the service's to decide. Every other type gets a group message only when Bitrix24 has
     * already found it addressed (mentioned, or an open-line or support chat).
     */
    public boolean seesEveryGroupMessage() {
        return api == BotApi.V1 ? "S".equalsIgnoreCase(type)
                : "supervisor".equalsIgnoreCase(type) || "personal".equalsIgnoreCase(type);
    }

    /** The name shown in lists: name and last name as far as given. */
    public String displayName() {
        return ((name == null ? "" : name) + " " + (lastName == null ? "" : lastName)).trim();
    }
}
