package io.b24bots.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

import io.b24bots.testing.Database;
import io.b24bots.testing.TestEnvironment;
import io.b24bots.web.DatabaseFailures;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The intake's batches and the queue's bookkeeping commit through PlainTransaction: all of the work
 * or none of it (a batch that fails after its dedup marks must not leave them behind, or its events
 * would be "duplicates" when written again one by one), and the pooled connection goes back usable.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PlainTransactionTest {

    private static final String MARKS = "select count(*) from event_dedup where hash = decode('ff00ff', 'hex')";

    @Inject
    DataSource database;

    @AfterEach
    void cleanUp() {
        Database.update("delete from event_dedup where hash = decode('ff00ff', 'hex')");
    }

    @Test
    void workThatFailsLeavesNothingBehind() {
        assertThatThrownBy(() -> PlainTransaction.run(database, "test", connection -> {
            mark(connection);
            throw new IllegalStateException("the batch's second statement failed");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Database.count(MARKS)).isZero();

        assertThatThrownBy(() -> PlainTransaction.run(database, "store a test batch", connection -> {
            mark(connection);
            try (Statement statement = connection.createStatement()) {
                statement.execute("insert into no_such_table values (1)");
            }
            return null;
        })).isInstanceOf(PersistenceException.class)
                .hasMessageContaining("store a test batch")
                .hasRootCauseInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(DatabaseFailures.isUnavailable(e)).as("a bad statement is not an outage").isFalse());
        assertThat(Database.count(MARKS)).isZero();
    }

    @Test
    void workThatSucceedsIsCommittedAndTheConnectionsStayUsable() {
        // More rounds than the pool has connections: each goes back in auto-commit, not in a transaction.
        for (int i = 0; i < 30; i++) {
            PlainTransaction.run(database, "test", connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("delete from event_dedup where hash = decode('ff00ff', 'hex')");
                }
                return mark(connection);
            });
        }
        assertThat(Database.count(MARKS)).isEqualTo(1);
        // The pool hands this thread the connection it used last: an auto-commit statement on it is committed at once.
        Database.update("delete from event_dedup where hash = decode('ff00ff', 'hex')");
        assertThat(Database.count(MARKS)).as("the connection went back in auto-commit").isZero();
    }

    private static int mark(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "insert into event_dedup (hash, received_at) values (decode('ff00ff', 'hex'), now())")) {
            return statement.executeUpdate();
        }
    }
}
