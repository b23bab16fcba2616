-- The operator console (/console).

-- Every operator action, for the console's audit log: who, what, when, on which portal.
create table operator_action (
    id        bigserial     primary key,
    at        timestamptz   not null default now(),
    operator  varchar(200)  not null,
    action    varchar(64)   not null,
    member_id varchar(64),
    detail    varchar(2000)
);
create index operator_action_at on operator_action (at desc, id desc);
create index operator_action_portal on operator_action (member_id, at desc) where member_id is not null;

-- Portals an operator paused: the queue's claim leaves their jobs waiting (events are still stored).
create table portal_pause (
    member_id varchar(64)  primary key references portal (member_id) on delete cascade,
    paused_at timestamptz  not null,
    paused_by varchar(200) not null
);

-- A paused rollout queues no portal until it is resumed.
alter table bot_declaration
    add column paused_at timestamptz,
    add column paused_by varchar(200);

-- Since when a portal has its status (reauth_required since ...), kept by the database whoever changes it.
alter table portal add column status_since timestamptz;
update portal set status_since = coalesce(uninstalled_at, updated_at);
create function portal_status_since() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        new.status_since := now();
    end if;
    return new;
end
$$;
create trigger portal_status_since before insert or update of status on portal
    for each row execute function portal_status_since();

-- The app's marketplace status in the portal (app.info: STATUS, PAYMENT_EXPIRED, DAYS), refreshed daily.
alter table portal
    add column app_status      varchar(4),
    add column payment_expired boolean,
    add column days_left       integer,
    add column app_info_at     timestamptz;

-- The console's searches and counts stay indexed with 100,000 portals and a million jobs.
create index portal_domain_prefix on portal (domain varchar_pattern_ops);
create index portal_status_domain on portal (status, domain);
create index portal_installed_at on portal (installed_at);
create index portal_uninstalled_at on portal (uninstalled_at) where uninstalled_at is not null;
create index portal_app_info_due on portal (app_info_at nulls first) where status = 'active';
create index bot_failed_code on bot (last_error_code, member_id) where status = 'failed';

-- A failed job's error code, as its text starts ("CODE: what happened"), for filters and counts.
alter table job add column error_code varchar(100)
    generated always as (substring(last_error from '^(?:gave up after [0-9]+ attempts: )?([A-Za-z][A-Za-z0-9_]*):')) stored;
create index job_failed_at on job (updated_at desc, id desc) where status = 'failed';
create index job_failed_code on job (error_code, updated_at desc) where status = 'failed';
