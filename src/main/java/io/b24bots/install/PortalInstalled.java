package io.b24bots.install;

/**
 * Fired synchronously inside the transaction that stored a proven install, so observers (bot
 * registration) queue their work atomically with it.
 */
public record PortalInstalled(String memberId) {
}
