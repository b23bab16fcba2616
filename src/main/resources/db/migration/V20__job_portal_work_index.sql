-- The rollout (every 10 s) and the marketplace-status tick ask which portals have administrative
-- work queued, running or lately failed (PortalWork). No index led with the job's kind, so each ask
-- read every queued job: with a backlog of 300,000 bot events, two parallel scans of 130-210 ms on
-- every tick, taking both cores of a small node while events waited. Bot events and API messages,
-- the two kinds that come by the thousand, stay out of this index, so the event path writes nothing
-- more; the queries repeat its predicate, so even a generic plan can use it.
create index job_portal_work on job (kind, member_id) where kind not in ('bot-event', 'send-message');
