package io.b24bots.config;

/** Addresses of this service as Bitrix24 must call them, built from {@code b24.public-url}. */
public final class PublicUrls {

    private PublicUrls() {
    }

    /** The one URL every event goes to; portals are told apart by member_id. */
    public static String events(B24Config config) {
        String base = config.publicUrl();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/b24/events";
    }
}
