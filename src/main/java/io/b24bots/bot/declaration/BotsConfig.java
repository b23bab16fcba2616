package io.b24bots.bot.declaration;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    Handlers handlers();

    Rollout rollout();

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

        /** The welcome message per language ({@code welcome.ru=...}), sent in the chat's language before {@code welcome-message}. */
        Map<String, String> welcome();

        /** Name of the handler bean (an {@code io.b24bots.bot.handler.BotMessageHandler}) that answers messages. */
        @WithDefault("echo")
        String handler();

        /**
         * Which group-chat messages reach the handler: {@code addressed} (default: the bot is
         * mentioned, or the message is a command or a reply to the bot) or {@code all}. Personal chats
         * always reach it. A supervisor-type bot sees every message of its chats; this keeps it quiet.
         */
        @WithDefault("addressed")
        String groupMessages();

        /** Slash commands, {@code b24.bots.<id>.commands.<command>.*}, registered with the bot in every portal. */
        Map<String, CommandDeclaration> commands();

        /** Settings each portal's administrator may change, {@code b24.bots.<id>.settings.<key>.*}. */
        Map<String, SettingDeclaration> settings();
    }

    interface SettingDeclaration {
        /** {@code text} (default), {@code number}, {@code flag} or {@code choice}. */
        @WithDefault("text")
        String type();

        /** The value until an administrator changes it; for a flag {@code false}, for a choice its first option. */
        @WithName("default")
        Optional<String> defaultValue();

        /** What the admin page calls it, per language: {@code label.en=Greeting}. */
        Map<String, String> label();

        /** A choice's values, comma-separated. */
        Optional<List<String>> options();

        /** A number's smallest value. */
        Optional<Long> min();

        /** A number's largest value. */
        Optional<Long> max();
    }

    interface CommandDeclaration {
        /** The title shown in the command list, per language: {@code title.en=Show help}. */
        Map<String, String> title();

        /** The hint for the command's parameters, per language. */
        Map<String, String> params();

        /** Available in every chat, not only where the bot is. */
        @WithDefault("false")
        boolean common();

        @WithDefault("false")
        boolean hidden();

        @WithDefault("false")
        boolean extranetSupport();

        /** The handler bean that answers the command; the bot's handler when absent. */
        Optional<String> handler();
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

    interface Handlers {
        /**
         * Runs of a bot event whose handler throws, before the failure is kept on the bot row; keep
         * it below {@code b24.jobs.max-attempts}.
         */
        @WithDefault("5")
        int maxAttempts();

        /** First wait before running a failed handler again; doubles per run, with jitter. */
        @WithDefault("PT5S")
        Duration backoff();

        @WithDefault("PT5M")
        Duration maxBackoff();

        /**
         * Queued events of one portal handled in one run, oldest first. Their posted replies leave
         * at once while the portal has room under its rate limit and together, in {@code batch}
         * calls of up to 50, when it has none. 1 handles every event alone.
         */
        @WithDefault("50")
        int eventsPerRun();

        /** A handler still running after this long without having sent anything shows "typing…". */
        @WithDefault("PT2S")
        Duration typingAfter();
    }

    interface Rollout {
        /** Log what a rollout would change in each portal, and change nothing. */
        @WithDefault("false")
        boolean dryRun();

        /**
         * Whether this replica looks for portals out of step with the declaration (at start-up and
         * every {@code b24.rollout.tick}, 10 s); ONAPPUPDATE and the admin page work either way.
         */
        @WithDefault("true")
        boolean enabled();

        /** How often a replica looks for portals out of step. */
        @WithDefault("10s")
        String tick();

        /**
         * Portals brought in step at once, across all replicas; the other job workers stay free for
         * events and installs.
         */
        @WithDefault("2")
        int concurrency();

        /**
         * How old the count of portals in step (the console's rollout progress) may get before one replica
         * counts again in the background; the count reads every bot row (about 0.4 s with 100,000 portals).
         */
        @WithDefault("PT30S")
        Duration progressAge();
    }

    interface Polling {
        /** How often a fetch-mode bot asks imbot.v2.Event.get after it had events (Bitrix24 suggests 5-30 s). */
        @WithDefault("PT5S")
        Duration interval();

        /** The longest pause of a bot that keeps finding nothing: the pause doubles from the interval up to this. */
        @WithDefault("PT30S")
        Duration idleInterval();

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
