package io.b24bots.bot.declaration;

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
        String handler) {

    /** The name shown in lists: name and last name as far as given. */
    public String displayName() {
        return ((name == null ? "" : name) + " " + (lastName == null ? "" : lastName)).trim();
    }
}
