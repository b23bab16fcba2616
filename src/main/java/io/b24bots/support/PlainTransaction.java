package io.b24bots.support;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import jakarta.persistence.PersistenceException;

/**
 * A JDBC transaction on a pooled connection, without the transaction manager or an ORM session, for
 * the hot paths that are one or two statements of plain SQL (the intake's batches, the job queue's
 * bookkeeping), where those two were a measurable share of the CPU. {@link #run} commits explicitly;
 * {@link #autoCommitted} leaves the commit to PostgreSQL, for work that is one round trip. The caller must not be in
 * a JTA transaction (the pool would enlist the connection in it). A failure rolls back; an
 * {@link SQLException} comes out as a {@link PersistenceException} carrying it, which the error
 * mappers read like Hibernate's.
 */
public final class PlainTransaction {

    /** Work on the transaction's connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private PlainTransaction() {
    }

    /** Runs {@code work} in a transaction of its own and commits it. */
    public static <T> T run(DataSource database, String what, Work<T> work) {
        // The pool restores auto-commit when the connection goes back.
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollback(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new PersistenceException("Could not " + what + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Runs {@code work} on a connection in auto-commit: each message train it sends (statements sent
     * together, up to one Sync) is one implicit transaction that PostgreSQL commits at that Sync, so
     * work sent in one round trip commits in it, all or nothing, with no commit round trip after.
     */
    public static <T> T autoCommitted(DataSource database, String what, Work<T> work) {
        try (Connection connection = database.getConnection()) {
            // The pool hands out connections in auto-commit outside a JTA transaction; set here because
            // the work's atomicity rests on it.
            connection.setAutoCommit(true);
            return work.run(connection);
        } catch (SQLException e) {
            throw new PersistenceException("Could not " + what + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static void rollback(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // The connection is broken, which is what failed the work: the pool discards it.
            failure.addSuppressed(e);
        }
    }
}
