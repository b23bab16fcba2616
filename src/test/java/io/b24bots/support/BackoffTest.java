package io.b24bots.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.RepeatedTest;

/** The shared back-off doubles from its base, never passes its cap, and spreads retries out. */
class BackoffTest {

    private static final Duration BASE = Duration.ofSeconds(5);
    private static final Duration MAX = Duration.ofMinutes(15);

    @RepeatedTest(20)
    void doublesFromTheBaseUpToTheCap() {
        assertThat(Backoff.delay(1, BASE, MAX)).isBetween(Duration.ofMillis(3_750), BASE);
        assertThat(Backoff.delay(3, BASE, MAX)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(20));
        assertThat(Backoff.delay(9, BASE, MAX)).isBetween(Duration.ofMillis(675_000), MAX);
        assertThat(Backoff.delay(10_000, BASE, MAX)).as("no overflow").isBetween(Duration.ofMillis(675_000), MAX);
        assertThat(Backoff.delay(0, BASE, MAX)).isBetween(Duration.ofMillis(3_750), BASE);
        assertThat(Backoff.delay(3, Duration.ZERO, MAX)).isZero();
    }

    @RepeatedTest(5)
    void retriesFailingTogetherComeBackAtDifferentTimes() {
        long distinct = IntStream.range(0, 50).mapToObj(i -> Backoff.delay(4, BASE, MAX)).distinct().count();
        assertThat(distinct).isGreaterThan(10);
    }
}
