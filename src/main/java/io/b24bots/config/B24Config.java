package io.b24bots.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The service's own settings (docs/CONFIGURATION.md), read once at start-up. */
@ConfigMapping(prefix = "b24")
public interface B24Config {

    /** Application id from the Bitrix24 vendor account. */
    String clientId();

    /** Application secret; sent to trusted OAuth servers only. */
    String clientSecret();

    /** Base URL at which Bitrix24 reaches this service, without a trailing slash. */
    String publicUrl();

    /** Allows http:// portal and OAuth URLs; tests and local runs only. */
    @WithDefault("false")
    boolean allowHttp();

    /** {@code id:base64key,...}; the first key encrypts, every key decrypts. */
    String tokenKeys();

    OAuth oauth();

    Rest rest();

    interface OAuth {
        /** The trusted OAuth server: tokens at {url}/oauth/token/, app.info at {url}/rest/. */
        @WithDefault("https://oauth.bitrix.info")
        String url();

        /**
         * More trusted OAuth servers (Bitrix24 runs a second one for some regions). Optional so that
         * an empty value ({@code B24_OAUTH_EXTRA_URLS=""}) means none instead of failing the start.
         */
        @WithDefault("https://oauth.bitrix24.tech")
        Optional<List<String>> extraUrls();

        /** How long a signed OAuth {@code state} stays valid. */
        @WithDefault("PT10M")
        Duration stateTtl();
    }

    interface Rest {
        /** Longest wait for a connection to a portal. */
        @WithDefault("PT5S")
        Duration connectTimeout();

        /** Longest wait for a portal's answer once the request is sent. */
        @WithDefault("PT20S")
        Duration readTimeout();

        /** Sustained calls per second to one portal; Bitrix24 allows 2 on most plans. */
        @WithDefault("2")
        double requestsPerSecond();

        /** Calls one portal may take at once before the rate applies; Bitrix24 allows 50. */
        @WithDefault("50")
        int burst();

        /** Longest a caller waits for the rate limiter before the call fails as transient. */
        @WithDefault("PT30S")
        Duration maxLimiterWait();

        /**
         * How long a portal's access token, once read and decrypted, is used at most without reading
         * its row again; a change to the row, on any replica, makes every replica forget it sooner,
         * when the database announces it (docs/OPERATIONS.md "Tokens").
         */
        @WithDefault("PT10M")
        Duration tokenMemory();

        /** Retries of a call refused for rate or time limits (503/429) before it fails. */
        @WithDefault("3")
        int maxLimitRetries();

        /** First back-off after a refused call; doubled each retry, with jitter. */
        @WithDefault("PT1S")
        Duration backoff();

        /** Longest back-off the client sleeps itself; a longer wait fails as transient. */
        @WithDefault("PT20S")
        Duration maxBackoff();

        /** Largest answer read from a portal or an OAuth server; a longer one is refused, at most this much read. */
        @WithDefault("4M")
        MemorySize maxAnswerSize();

        /**
         * JSON tokens an answer may have; past them it is a permanent MALFORMED_ANSWER. Unset: one per
         * kilobyte of the heap (docs/SECURITY.md "What a portal's answer can cost").
         */
        Optional<Integer> maxAnswerTokens();

        /**
         * Heap the answers being read and parsed at once may hold, together; an answer that finds it spent
         * fails as a transient ANSWER_MEMORY_BUSY. Unset: a quarter of the heap.
         */
        Optional<MemorySize> answerMemory();

        /** Pages one paged read (bot lists) may take before it stops as a permanent failure. */
        @WithDefault("20")
        int maxPages();

        /** Consecutive transient failures of a portal's calls after which its calls fail fast for a while. */
        @WithDefault("5")
        int breakerThreshold();

        /** First fail-fast pause of a failing portal; doubled each time it opens again. */
        @WithDefault("PT5S")
        Duration breakerPause();

        /** Longest fail-fast pause. */
        @WithDefault("PT5M")
        Duration breakerMaxPause();
    }
}
