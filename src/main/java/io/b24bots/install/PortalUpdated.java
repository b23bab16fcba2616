package io.b24bots.install;

/** Fired after a proven {@code ONAPPUPDATE} was recorded: the portal now runs another version of the app. */
public record PortalUpdated(String memberId) {
}
