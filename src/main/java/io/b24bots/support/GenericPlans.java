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

    /** Two {@code set_config} calls, for the select list of the transaction's first statement. */
    public static final String INDEXED =
            "set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true)";

    private GenericPlans() {
    }
}
