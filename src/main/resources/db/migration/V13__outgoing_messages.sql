-- Messages a bot sends on its own (the in-process messenger and the vendor API): one receipt per
-- message, read back by its id; the send itself is a job of the queue. Kept for b24.jobs.retention.
create table outgoing_message (
    id                  uuid          primary key,
    member_id           varchar(64)   not null,
    bot_code            varchar(100)  not null,
    dialog_id           varchar(64)   not null,
    message             text          not null,
    state               varchar(16)   not null,
    bitrix_message_id   bigint,
    error_code          varchar(100),
    error_text          varchar(1000),
    requested_by        varchar(100)  not null,
    idempotency_key     varchar(200),
    created_at          timestamptz   not null,
    updated_at          timestamptz   not null
);

-- A retry with the same Idempotency-Key by the same caller for the same portal finds the first receipt.
create unique index outgoing_message_idempotency on outgoing_message (requested_by, member_id, idempotency_key)
    where idempotency_key is not null;
create index outgoing_message_created on outgoing_message (created_at);
