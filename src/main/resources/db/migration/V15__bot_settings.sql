-- What a portal's administrator set for a bot (a declared setting's key), and every change of it.
create table bot_setting (
    member_id    varchar(64)    not null,
    bot_code     varchar(100)   not null,
    key          varchar(50)    not null,
    value        varchar(1000)  not null,
    updated_by   bigint         not null,
    updated_at   timestamptz    not null,
    primary key (member_id, bot_code, key)
);

create table bot_setting_change (
    id           bigserial      primary key,
    member_id    varchar(64)    not null,
    bot_code     varchar(100)   not null,
    key          varchar(50)    not null,
    old_value    varchar(1000),
    new_value    varchar(1000)  not null,
    user_id      bigint         not null,
    changed_at   timestamptz    not null
);

create index bot_setting_change_portal on bot_setting_change (member_id, changed_at desc);
