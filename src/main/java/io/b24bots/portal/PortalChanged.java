package io.b24bots.portal;

import java.util.Map;

/**
 * Fired (synchronously) when a portal's row, tokens or bots changed: by {@link PortalStore} as this
 * replica changes them, and on the listener's thread when the database announces a change made by
 * any replica ({@link PortalChanges}); {@code memberId} null means any portal may have changed
 * unheard (the listener was disconnected). Whatever keeps a copy of that data drops it.
 */
public record PortalChanged(String memberId) {

    /** Drops from a memory keyed by member_id what it holds of the portals this change concerns. */
    public void forgetIn(Map<String, ?> memory) {
        if (memberId == null) {
            memory.clear();
        } else {
            memory.remove(memberId);
        }
    }
}
