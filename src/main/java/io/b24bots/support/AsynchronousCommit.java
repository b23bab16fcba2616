package io.b24bots.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * For transactions that only keep books (job leases and outcomes, poll times): they commit without
 * waiting for the WAL to reach the disk. A PostgreSQL crash may lose the last moments of them, which
 * only makes work run again or sooner; what must survive (jobs, events, tokens) commits durably.
 */
public final class AsynchronousCommit {

    private AsynchronousCommit() {
    }

    /** The transaction open on {@code connection} commits asynchronously. */
    public static void of(Connection connection) throws SQLException {
        execute(connection, "set local synchronous_commit to off");
    }

    /**
     * {@link #of}, and the transaction's statements keep their generic plans, read through the job
     * table's indexes ({@link GenericPlans}), in the same statement: for statements PostgreSQL would
     * otherwise plan afresh on every execution, whose plan the indexes decide anyway (the job queue's
     * claims, see JobStore).
     */
    public static void withGenericPlans(Connection connection) throws SQLException {
        execute(connection, "select set_config('synchronous_commit', 'off', true), " + GenericPlans.INDEXED);
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
