-- Tenants: one row per Bitrix24 portal, keyed by member_id (the domain can change).
create table portal (
    member_id              varchar(64)  primary key,
    domain                 varchar(255) not null,
    client_endpoint        varchar(512) not null,
    server_endpoint        varchar(512) not null,
    oauth_server           varchar(512) not null,
    application_token_hash bytea,
    status                 varchar(20)  not null,
    scope                  varchar(1000),
    app_version            integer,
    language               varchar(10),
    license_status         varchar(4),
    installed_by           bigint,
    installed_at           timestamptz,
    uninstalled_at         timestamptz,
    created_at             timestamptz  not null,
    updated_at             timestamptz  not null,
    constraint portal_status_check check (status in ('active', 'uninstalled', 'reauth_required'))
);

-- The installing admin's OAuth pair, AES-GCM encrypted under key_id; version counts rotations.
create table portal_token (
    member_id     varchar(64)  primary key references portal (member_id) on delete cascade,
    access_token  bytea        not null,
    refresh_token bytea        not null,
    key_id        varchar(32)  not null,
    expires_at    timestamptz  not null,
    user_id       bigint,
    version       bigint       not null,
    updated_at    timestamptz  not null
);

-- Durable work queue shared by all replicas.
create table job (
    id           bigserial    primary key,
    kind         varchar(64)  not null,
    member_id    varchar(64)  not null,
    payload      text,
    dedup_key    varchar(200),
    status       varchar(16)  not null,
    attempts     integer      not null default 0,
    run_at       timestamptz  not null,
    locked_by    varchar(100),
    locked_until timestamptz,
    last_error   varchar(2000),
    created_at   timestamptz  not null,
    updated_at   timestamptz  not null,
    constraint job_status_check check (status in ('queued', 'running', 'done', 'failed'))
);

-- At most one waiting job per (kind, dedup_key): two installs in a row queue one registration.
create unique index job_waiting_dedup on job (kind, dedup_key) where status = 'queued' and dedup_key is not null;
create index job_due on job (run_at) where status in ('queued', 'running');
create index job_member on job (member_id);
