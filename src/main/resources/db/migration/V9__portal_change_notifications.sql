-- Every replica keeps what the event path reads for each event in memory: a portal's application
-- token hash and status, its access token, its bots' ids and statuses. A change to any of these,
-- whoever makes it (a replica, a job, an operator's SQL), announces the portal on this channel at
-- commit, so every replica forgets its copy at once instead of trusting it until a timer runs out.
-- Only the columns those copies hold: polling bookkeeping and refresh leases change too often.
create function b24bots_portal_changed() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform pg_notify('b24bots_portal', old.member_id);
    else
        perform pg_notify('b24bots_portal', new.member_id);
    end if;
    return null;
end
$$;

create trigger portal_changed after update on portal
    for each row when (old.application_token_hash is distinct from new.application_token_hash
                       or old.status is distinct from new.status
                       or old.client_endpoint is distinct from new.client_endpoint
                       or old.domain is distinct from new.domain
                       or old.oauth_server is distinct from new.oauth_server)
    execute function b24bots_portal_changed();
create trigger portal_deleted after delete on portal
    for each row execute function b24bots_portal_changed();

create trigger portal_token_changed after update on portal_token
    for each row when (old.access_token is distinct from new.access_token
                       or old.version is distinct from new.version
                       or old.expires_at is distinct from new.expires_at
                       or old.key_id is distinct from new.key_id)
    execute function b24bots_portal_changed();
create trigger portal_token_added_or_deleted after insert or delete on portal_token
    for each row execute function b24bots_portal_changed();

create trigger bot_changed after update on bot
    for each row when (old.bot_id is distinct from new.bot_id
                       or old.status is distinct from new.status
                       or old.code is distinct from new.code)
    execute function b24bots_portal_changed();
create trigger bot_added_or_deleted after insert or delete on bot
    for each row execute function b24bots_portal_changed();
