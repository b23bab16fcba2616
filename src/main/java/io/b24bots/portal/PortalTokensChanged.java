package io.b24bots.portal;

/**
 * Fired (synchronously, when a change begins and again when its transaction ends) when a portal's
 * tokens or status are replaced from outside the token service: an install, a reinstall, an
 * uninstall or a portal marked for re-authorisation. Whatever remembers tokens drops the portal's.
 */
public record PortalTokensChanged(String memberId) {
}
