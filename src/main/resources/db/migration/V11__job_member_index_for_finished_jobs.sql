-- Every job entered job_member twice, once as queued and once as running: two of the seven index
-- entries PostgreSQL wrote for each bot event from arrival to reply. Queued and running jobs have
-- per-portal indexes of their own (job_queued_member, job_running_member), so job_member only served
-- the portal's finished jobs, which are few since handled bot events are deleted rather than kept.
-- Queries by portal name the statuses they read, each served by its partial index.
create index job_finished_member on job (member_id) where status in ('done', 'failed');
drop index job_member;
