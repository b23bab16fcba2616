package io.b24bots.web;

/** Reads the form bodies Bitrix24 posts, refusing any other content type. */
public final class FormBodies {

    private static final String FORM = "application/x-www-form-urlencoded";

    private FormBodies() {
    }

    public static FormData parse(String contentType, byte[] body) {
        if (body == null || body.length == 0) {
            return FormData.empty();
        }
        if (contentType == null || !contentType.regionMatches(true, 0, FORM, 0, FORM.length())) {
            throw new Refusal(Refusal.Kind.UNSUPPORTED_MEDIA_TYPE, "The body must be application/x-www-form-urlencoded, as Bitrix24 sends it.");
        }
        return FormData.parse(body);
    }
}
