package io.b24bots.web;

import jakarta.ws.rs.core.Response;

/**
 * Headers for pages shown inside the Bitrix24 iframe: framing allowed for the portal's origin
 * only, through CSP {@code frame-ancestors} (no {@code X-Frame-Options}, which cannot name an
 * origin in current browsers).
 */
public final class FramePolicy {

    private FramePolicy() {
    }

    public static String frameAncestors(String portalOrigin) {
        return portalOrigin == null ? "frame-ancestors 'self'" : "frame-ancestors 'self' " + portalOrigin;
    }

    /** An HTML answer framed by {@code portalOrigin} (may be null: then only this service may frame it). */
    public static Response.ResponseBuilder html(int status, Object entity, String portalOrigin) {
        return Response.status(status)
                .entity(entity)
                .type("text/html;charset=UTF-8")
                .header("Content-Security-Policy", frameAncestors(portalOrigin))
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store");
    }

    /** An HTML answer no page may frame: the operator console's. */
    public static Response.ResponseBuilder unframed(int status, Object entity) {
        return html(status, entity, null)
                .header("Content-Security-Policy", null)
                .header("Content-Security-Policy", "frame-ancestors 'none'")
                .header("X-Frame-Options", "DENY");
    }

    /** The origin of a verified portal domain. */
    public static String origin(String domain, boolean https) {
        return (https ? "https://" : "http://") + domain;
    }
}
