package io.b24bots.bot.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.b24bots.bot.messaging.FetchPoller;
import org.junit.jupiter.api.Test;

/** How often a fetch-mode bot is polled: fast while it talks, slower while it stays quiet, never past the idle pause. */
class PollPacingTest {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    static final Duration IDLE = Duration.ofSeconds(30);

    @Test
    void aBotThatJustHadEventsIsPolledAtTheInterval() {
        assertThat(FetchPoller.pauseAfter(0, INTERVAL, IDLE)).isEqualTo(INTERVAL);
        assertThat(FetchPoller.pauseAfter(1, INTERVAL, IDLE)).isEqualTo(INTERVAL);
    }

    @Test
    void quietPollsDoubleThePauseUpToTheIdlePause() {
        assertThat(FetchPoller.pauseAfter(2, INTERVAL, IDLE)).isEqualTo(Duration.ofSeconds(10));
        assertThat(FetchPoller.pauseAfter(3, INTERVAL, IDLE)).isEqualTo(Duration.ofSeconds(20));
        assertThat(FetchPoller.pauseAfter(4, INTERVAL, IDLE)).isEqualTo(IDLE);
        assertThat(FetchPoller.pauseAfter(1_000, INTERVAL, IDLE)).isEqualTo(IDLE);
    }

    @Test
    void anIdlePauseNoLongerThanTheIntervalTurnsTheGrowthOff() {
        assertThat(FetchPoller.pauseAfter(10, INTERVAL, INTERVAL)).isEqualTo(INTERVAL);
        assertThat(FetchPoller.pauseAfter(10, INTERVAL, Duration.ofSeconds(1))).isEqualTo(INTERVAL);
    }

    @Test
    void anIdleFleetCostsAboutOneCallPerBotEveryIdlePause() {
        // 10,000 quiet fetch-mode bots: 2,000 calls/s at a fixed 5 s, about 333 at the 30 s idle pause.
        double perSecond = 10_000 / (double) FetchPoller.pauseAfter(100, INTERVAL, IDLE).toSeconds();
        assertThat(perSecond).isLessThan(400);
    }
}
