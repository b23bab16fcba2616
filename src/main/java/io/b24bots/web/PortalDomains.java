package io.b24bots.web;

/**
 * Whether a portal domain is one this service has proven: installed here, now or before. Error pages
 * name only such a domain as the parent allowed to frame them; any other {@code DOMAIN} a request
 * claims is not reflected into a header. Implemented where the portals are kept.
 */
public interface PortalDomains {

    /** Blocks on the database: call it off the event loop. */
    boolean installedHere(String domain);
}
