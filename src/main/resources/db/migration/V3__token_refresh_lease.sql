-- A refresh lease on the token row: the refresh that holds an unexpired lease is the only one, on any
-- replica, that may send the pair's refresh token; it holds no lock or connection during the HTTP call.
-- refresh_until uses the database clock, so replicas' clocks do not matter.
alter table portal_token
    add column refresh_owner varchar(120),
    add column refresh_until timestamptz;
