package io.b24bots.bot.declaration;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.b24bots.bot.messaging.BotMessageHandler;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The bots every portal gets, declared as {@code b24.bots.<id>.*}, and how their work runs.
 * Values are read as given; {@link BotCatalog} checks them against the rules of the Bitrix24
 * pages at start-up and refuses to start with a message naming the property.
 */
@ConfigMapping(prefix = "b24")
public interface BotsConfig {

    Map<String, BotDeclaration> bots();

    Registration registration();

    Polling polling();

    interface BotDeclaration {
        /** {@code v2} (default) or {@code v1}. */
        @WithDefault("v2")
        String api();

        Optional<String> code();

        /** v2: bot, supervisor, personal, openline, network; v1: B, O, H, S. */
        Optional<String> type();

        /** v2 only: fetch (default) or webhook. */
        Optional<String> eventMode();

        Optional<String> name();

        Optional<String> lastName();

        Optional<String> workPosition();

        Optional<String> color();

        Optional<String> gender();

        /** Path of an image file (PNG, JPEG, GIF, BMP), at most 5000x5000 px. */
        Optional<String> avatar();

        /** v1 only. */
        Optional<String> email();

        /** v1 only, YYYY-MM-DD. */
        Optional<String> birthday();

        /** v1 only. */
        Optional<String> www();

        /** v1 only: Y or N (forced to Y for type O). */
        Optional<String> openline();

        /** v2 only. */
        Optional<Boolean> isHidden();

        /** v2 only. */
        Optional<Boolean> isReactionsEnabled();

        /** v2 only. */
        Optional<Boolean> isSupportOpenline();

        /** v2 only: a chat background id from the Bitrix24 table. */
        Optional<String> backgroundId();

        /** Sent when the bot joins a chat; nothing is sent when absent. */
        Optional<String> welcomeMessage();

        /** Name of the {@link BotMessageHandler} bean that answers messages. */
        @WithDefault("echo")
        String handler();
    }

    interface Registration {
        /** Attempts per registration job before its transient failures are recorded as final. */
        @WithDefault("8")
        int maxAttempts();

        /** First retry delay; doubled per attempt with jitter, capped by {@link #maxBackoff()}. */
        @WithDefault("PT10S")
        Duration backoff();

        @WithDefault("PT15M")
        Duration maxBackoff();
    }

    interface Polling {
        /** How often a fetch-mode bot asks imbot.v2.Event.get when idle (Bitrix24 suggests 5-30 s). */
        @WithDefault("PT5S")
        Duration interval();

        /** Pause between pages while events remain (Bitrix24: no faster than every 2 s). */
        @WithDefault("PT2S")
        Duration busyInterval();

        /** Polls this replica runs at once; each is one short imbot.v2.Event.get call. */
        @WithDefault("50")
        int concurrency();

        /** How often this replica looks for bots whose poll is due. */
        @WithDefault("1s")
        String tick();

        /** Whether this replica polls at all. */
        @WithName("enabled")
        @WithDefault("true")
        boolean enabled();
    }
}
