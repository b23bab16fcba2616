-- Every job changes status twice within seconds (queued, running, done), and each change leaves a dead
-- entry in the partial indexes the claim walks (job_queued_member, job_running_member). Left to the
-- default (a vacuum after a fifth of the table changed), a busy queue's claim slows down as those
-- entries pile up. Vacuum the job table after a fixed number of changes instead, without pausing.
alter table job set (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 10000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
-- The dedup marks are only inserted and deleted by age: the same reasoning for the inserts.
alter table event_dedup set (
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 50000
);
