package io.b24bots.bot.imbot;

import io.b24bots.bot.BotApi;
import jakarta.enterprise.context.ApplicationScoped;

/** The chat-bot API of a version: the one place that picks v1 or v2. */
@ApplicationScoped
public class Imbot {

    private final ImbotV1 v1;
    private final ImbotV2 v2;

    Imbot(ImbotV1 v1, ImbotV2 v2) {
        this.v1 = v1;
        this.v2 = v2;
    }

    public ImbotApi of(BotApi api) {
        return api == BotApi.V2 ? v2 : v1;
    }
}
