-- What was last applied to each bot in its portal, so a changed declaration reaches every portal
-- (and an unchanged one costs no call): a fingerprint of the bot's declared fields and commands,
-- and, as JSON, the parts it was made of: {"properties": "<fp>", "commands": {"help": {"id": 42, "fp": "<fp>"}}}
-- with the Bitrix24 id of each command registered for the bot.
alter table bot add column applied_fingerprint varchar(64);
alter table bot add column applied_state text;

-- The fingerprint of the whole declaration the last replica started with; a change is logged as a rollout.
create table bot_declaration (
    id          smallint     primary key check (id = 1),
    fingerprint varchar(64)  not null,
    changed_at  timestamptz  not null
);
