-- A portal administrator turned the bot off (the admin page's "Turn off"): it stays unregistered in that
-- portal through rollouts, app updates and "Re-register all bots" until an administrator turns it on.
alter table bot add column turned_off_at timestamptz;
alter table bot add column turned_off_by bigint;
