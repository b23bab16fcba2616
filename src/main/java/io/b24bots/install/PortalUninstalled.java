package io.b24bots.install;

/** Fired inside the uninstall transaction; {@code clean} means the admin asked to delete the app's data. */
public record PortalUninstalled(String memberId, boolean clean) {
}
