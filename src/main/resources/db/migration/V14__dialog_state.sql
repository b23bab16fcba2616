-- What a bot remembers of a conversation: a small JSON value per portal, bot and dialog, with a
-- version (each write checks the one it read) and an expiry after which it is gone.
create table dialog_state (
    member_id    varchar(64)   not null,
    bot_code     varchar(100)  not null,
    dialog_id    varchar(64)   not null,
    value        text          not null,
    version      bigint        not null,
    expires_at   timestamptz   not null,
    updated_at   timestamptz   not null,
    primary key (member_id, bot_code, dialog_id)
);

create index dialog_state_expires on dialog_state (expires_at);
