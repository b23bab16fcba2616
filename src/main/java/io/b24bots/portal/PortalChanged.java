package io.b24bots.portal;

/**
 * Fired (synchronously, on the listener's thread) when the database announced a change to a
 * portal's row, tokens or bots, made by any replica ({@link PortalChanges}); {@code memberId} null
 * means any portal may have changed unheard (the listener was disconnected). Whatever keeps a copy
 * of that data drops it.
 */
public record PortalChanged(String memberId) {

    public boolean concerns(String member) {
        return memberId == null || memberId.equals(member);
    }
}
