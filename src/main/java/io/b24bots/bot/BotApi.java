package io.b24bots.bot;

/** Which Bitrix24 chat-bot API a bot is registered through; it receives events in that format only. */
public enum BotApi {
    V1("v1"), V2("v2");

    private final String value;

    BotApi(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }
}
