-- The OAuth server a portal uses is kept as oauth_server (a trusted base URL); the claimed
-- server_endpoint was stored beside it and never read.
alter table portal drop column server_endpoint;
