-- The W3C traceparent of the span that queued a job (null when nothing was traced): the worker continues
-- that trace, so one trace goes from an event's arrival through its job to the Bitrix24 calls.
alter table job add column trace_parent varchar(60);
