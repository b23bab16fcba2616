package io.b24bots.web;

import java.util.Locale;
import java.util.regex.Pattern;

import io.b24bots.support.MemberIds;
import jakarta.ws.rs.core.MultivaluedMap;

/**
 * What Bitrix24 posts to a page it opens in its iframe (install URL, app URL): query
 * {@code DOMAIN, PROTOCOL, LANG}, form {@code AUTH_ID, REFRESH_ID, member_id, ...}; the fields the
 * service uses, the rest ({@code APP_SID}, {@code PLACEMENT}, ...) is not read.
 * Every value is a claim until a trusted OAuth server confirms the token.
 */
public record FrameRequest(
        String domain,
        boolean https,
        String lang,
        String authId,
        int authExpires,
        String refreshId,
        String serverEndpoint,
        String applicationToken,
        String memberId) {

    public static final Pattern HOST = Pattern.compile(
            "(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?");
    public static final Pattern MEMBER_ID = MemberIds.SHAPE;
    private static final Pattern LANG = Pattern.compile("[a-z]{2}");

    /**
     * Reads the frame fields, preferring the form body over the query string for each one; a
     * {@code member_id} that is not one (32 hexadecimal digits) is refused here, before it can reach a
     * log line or a query.
     */
    public static FrameRequest from(MultivaluedMap<String, String> query, FormData form) {
        String memberId = field("member_id", query, form);
        if (memberId != null && !MemberIds.valid(memberId)) {
            throw Refusal.invalid("member_id is not a valid Bitrix24 member id.");
        }
        String domain = field("DOMAIN", query, form);
        String lang = field("LANG", query, form);
        String expires = field("AUTH_EXPIRES", query, form);
        return new FrameRequest(
                domain != null && HOST.matcher(domain).matches() ? domain.toLowerCase(Locale.ROOT) : null,
                !"0".equals(field("PROTOCOL", query, form)),
                lang != null && LANG.matcher(lang.toLowerCase(Locale.ROOT)).matches()
                        ? lang.toLowerCase(Locale.ROOT) : null,
                field("AUTH_ID", query, form),
                parseExpires(expires),
                field("REFRESH_ID", query, form),
                field("SERVER_ENDPOINT", query, form),
                field("APPLICATION_TOKEN", query, form),
                memberId);
    }

    private static String field(String name, MultivaluedMap<String, String> query, FormData form) {
        String value = form.text(name);
        if (value == null && query != null) {
            value = query.getFirst(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static int parseExpires(String value) {
        if (value == null) {
            return 3600;
        }
        try {
            return Math.clamp(Integer.parseInt(value), 0, 86_400);
        } catch (NumberFormatException e) {
            return 3600;
        }
    }

    @Override
    public String toString() {
        return "FrameRequest[domain=" + domain + ", memberId=" + memberId + "]";
    }
}
