-- A fetch-mode bot's count of polls in a row that found no event, which sets its pace (README
-- "Bots"). Kept in memory, it was lost on every restart or deploy (the whole fleet polled at the
-- active pace again for a minute) and each replica counted only its own polls of the bot.
alter table bot add column quiet_polls integer not null default 0;
