-- /b24/oauth/start accepts a portal already installed here whatever its domain: look it up by domain.
create index portal_domain on portal (domain);
