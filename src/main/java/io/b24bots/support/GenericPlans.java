package io.b24bots.support;

/**
 * Settings for the job queue's hot statements (the intake's batch, the claims), set local to their
 * transaction: PostgreSQL keeps one generic plan of each per connection instead of planning it afresh
 * on every run, and that plan reads the job table only through the indexes the statement was written
 * for.
 *
 * <p>Why the second half: a generic plan is made once, from the statistics of the moment, and kept
 * until the table's statistics change. Made while the queue is empty (a new database, or a quiet hour
 * after vacuum cut the table down), it scans the job table sequentially, the cheapest way to read an
 * empty table, and keeps doing so while a backlog builds up, until autovacuum analyzes the table again
 * (a minute at PostgreSQL's default naptime). Measured: the intake's batch cost 4-6 ms of PostgreSQL's
 * CPU instead of 0.6, and a claim over 50,000 queued jobs did not finish in ten minutes.
 * With sequential scans priced out, and the rows a statement updates looked up by key (see JobStore),
 * the same stale plans walk the indexes: 12-14 ms for that claim.
 */
public final class GenericPlans {

    private static final String NO_SEQUENTIAL_SCANS = "set_config('enable_seqscan', 'off', true)";

    /** Two {@code set_config} calls, for the select list of the transaction's first statement. */
    public static final String INDEXED = "set_config('plan_cache_mode', 'force_generic_plan', true), " + NO_SEQUENTIAL_SCANS;

    /** Before one statement that runs inside someone else's transaction: the setting kept, then priced out. */
    public static final String INDEXED_BEFORE = "select set_config('b24.enable_seqscan', current_setting('enable_seqscan'), true), "
            + NO_SEQUENTIAL_SCANS;
    /** After it: the transaction's own setting back. */
    public static final String INDEXED_AFTER = "select set_config('enable_seqscan', current_setting('b24.enable_seqscan'), true)";

    private GenericPlans() {
    }

    /**
     * {@code sql} planned with sequential scans priced out, in the same round trip, for a statement
     * PostgreSQL may keep a generic plan of under its automatic choice (no {@link #INDEXED}); the
     * caller's transaction gets its setting back. Its answer is the second result.
     */
    public static String indexedAround(String sql) {
        return INDEXED_BEFORE + ";\n" + sql + ";\n" + INDEXED_AFTER;
    }
}
