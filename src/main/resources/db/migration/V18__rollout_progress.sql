-- The rollout's progress as last counted (active portals in step, of all active ones): counting reads every
-- bot row, so one replica counts in the background and the console reads the figures.
alter table bot_declaration
    add column portals_in_step bigint,
    add column portals_active  bigint,
    add column progress_at     timestamptz;
