package io.b24bots.portal;

/** What a caller waiting for another refresh watches: the pair's version and whether a lease is live. */
public record RefreshState(long version, boolean leased) {
}
