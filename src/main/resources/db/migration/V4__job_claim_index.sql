-- The claim walks the portals that have queued jobs (one probe each) and takes each one's oldest,
-- so its cost follows the number of portals, not the length of any portal's backlog.
-- The same index counts a portal's queued jobs for the per-portal cap.
create index job_queued_member on job (member_id, run_at, id) where status = 'queued';
-- Running jobs are few: whether a portal is busy, and its count toward the cap ...
create index job_running_member on job (member_id, locked_until) where status = 'running';
-- ... and which leases ran out.
create index job_lease_expiry on job (locked_until) where status = 'running';
-- Every due job in one index: it tempted the planner to read the whole backlog while locking the
-- claimed rows, and nothing needs it now (the queue statistics count the rows either way).
drop index job_due;
