package io.b24bots.web;

import java.util.List;
import java.util.Locale;

/**
 * The language of a page the service shows: English or Russian, the two its texts exist in. Bitrix24
 * names the portal's language in the frame request's {@code LANG}; without it the browser's
 * {@code Accept-Language} decides; anything else is English.
 */
public final class PageLanguage {

    public static final String ENGLISH = "en";
    public static final String RUSSIAN = "ru";

    private PageLanguage() {
    }

    /** {@code ru} for a Russian {@code LANG} ({@code ru}, {@code ru-RU}, {@code RU}), {@code en} for anything else. */
    public static String of(String lang) {
        return RUSSIAN.equals(primary(lang)) ? RUSSIAN : ENGLISH;
    }

    /** {@code LANG} when the request carries one; otherwise the browser's first preference among en and ru. */
    public static String of(String lang, String acceptLanguage) {
        if (lang != null && !lang.isBlank()) {
            return of(lang);
        }
        if (acceptLanguage == null || acceptLanguage.isBlank() || acceptLanguage.length() > 512) {
            return ENGLISH;
        }
        List<Locale.LanguageRange> ranges;
        try {
            ranges = Locale.LanguageRange.parse(acceptLanguage);
        } catch (IllegalArgumentException e) {
            return ENGLISH;
        }
        for (Locale.LanguageRange range : ranges) {
            String language = primary(range.getRange());
            if (range.getWeight() > 0 && (ENGLISH.equals(language) || RUSSIAN.equals(language))) {
                return language;
            }
        }
        return ENGLISH;
    }

    public static Locale locale(String lang) {
        return Locale.forLanguageTag(of(lang));
    }

    private static String primary(String tag) {
        if (tag == null) {
            return "";
        }
        String trimmed = tag.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        return trimmed.substring(0, end);
    }
}
