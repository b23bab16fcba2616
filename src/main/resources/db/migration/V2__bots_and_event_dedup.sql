-- The bots registered (or being registered) in each portal: one row per portal and bot code.
create table bot (
    id               bigserial    primary key,
    member_id        varchar(64)  not null references portal (member_id) on delete cascade,
    config_id        varchar(64)  not null,
    code             varchar(100) not null,
    api              varchar(2)   not null,
    type             varchar(20)  not null,
    event_mode       varchar(10),
    bot_id           bigint,
    status           varchar(16)  not null,
    last_error_code  varchar(100),
    last_error_text  varchar(1000),
    attempts         integer      not null default 0,
    bot_object       text,
    fetch_offset     bigint,
    next_poll_at     timestamptz,
    poll_owner       varchar(100),
    poll_lease_until timestamptz,
    registered_at    timestamptz,
    created_at       timestamptz  not null,
    updated_at       timestamptz  not null,
    constraint bot_status_check check (status in ('pending', 'registered', 'failed', 'deleted')),
    constraint bot_api_check check (api in ('v1', 'v2')),
    constraint bot_portal_code unique (member_id, code)
);
create index bot_fetch_due on bot (next_poll_at) where status = 'registered' and event_mode = 'fetch';

-- Events already accepted, by hash of member_id, event name and canonical data; kept 24 hours.
create table event_dedup (
    hash        bytea        primary key,
    received_at timestamptz  not null
);
create index event_dedup_age on event_dedup (received_at);
