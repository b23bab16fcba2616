-- Autovacuum analyzes the job table after every 2% of changes (V8), so a queue that grows is analyzed
-- on every autovacuum round. The sample is 300 rows per unit of the largest statistics target, 30,000
-- rows at the default of 100: on a backlog of 3 KB payloads, a few hundred megabytes read on a shared
-- core while events wait (ack bursts at a fixed 1,000 events/s that ended as the ANALYZE ended). A
-- target of 10 samples 3,000 rows, a quarter of the time in a measurement of 200,000 jobs, and still
-- finds the columns' few values and the number of portals (1,005 for 1,000). The queue's hot statements
-- do not rest on these figures: they run on generic plans that read through the indexes however the
-- statistics stand (GenericPlans). The texts nobody filters on get none.
alter table job alter column id set statistics 10;
alter table job alter column kind set statistics 10;
alter table job alter column member_id set statistics 10;
alter table job alter column dedup_key set statistics 10;
alter table job alter column status set statistics 10;
alter table job alter column attempts set statistics 10;
alter table job alter column run_at set statistics 10;
alter table job alter column locked_by set statistics 10;
alter table job alter column locked_until set statistics 10;
alter table job alter column created_at set statistics 10;
alter table job alter column updated_at set statistics 10;
alter table job alter column error_code set statistics 10;
alter table job alter column payload set statistics 0;
alter table job alter column last_error set statistics 0;
alter table job alter column trace_parent set statistics 0;
