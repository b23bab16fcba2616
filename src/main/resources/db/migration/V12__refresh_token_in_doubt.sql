-- Whether the stored refresh token may already have been spent: a grant was sent with it and its answer
-- never stored (a timeout, a lost answer, a replica that died holding the refresh lease). Until a new
-- pair is stored, an invalid_grant for it proves nothing: it is not evidence that Bitrix24 revoked the
-- app's access (README "Security": what confirms an uninstall).
alter table portal_token add column refresh_in_doubt boolean not null default false;
