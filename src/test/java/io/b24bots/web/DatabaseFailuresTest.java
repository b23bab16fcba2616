package io.b24bots.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

/** Which database failures are an outage (503, retry later) rather than a bug (500). */
class DatabaseFailuresTest {

    @Test
    void connectionTroubleAndTooManyConnectionsAreOutages() {
        for (String state : new String[] {"08001", "08006", "57P01", "57P03", "53300"}) {
            assertThat(DatabaseFailures.isUnavailable(new RuntimeException(new SQLException("x", state)))).as(state).isTrue();
        }
        // Agroal's words when the pool has no free connection in time.
        assertThat(DatabaseFailures.isUnavailable(new RuntimeException(new SQLException("Sorry, acquisition timeout!"))))
                .isTrue();
        assertThat(DatabaseFailures.describe(new SQLException("FATAL: sorry, too many clients already", "53300")))
                .isEqualTo("SQLState 53300");
    }

    @Test
    void constraintAndSyntaxErrorsAreNot() {
        for (String state : new String[] {"23505", "42601", "53200"}) {
            assertThat(DatabaseFailures.isUnavailable(new SQLException("x", state))).as(state).isFalse();
        }
    }
}
