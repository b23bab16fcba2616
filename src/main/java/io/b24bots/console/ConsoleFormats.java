package io.b24bots.console;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.quarkus.qute.TemplateExtension;

/** How the console's templates write times, durations and rates. */
@TemplateExtension
final class ConsoleFormats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private ConsoleFormats() {
    }

    static String utc(Instant instant) {
        return instant == null ? "–" : TIME.format(instant);
    }

    /** "3 min ago", "2 h ago", "5 d ago", or "in 20 min" for a time to come. */
    static String ago(Instant instant) {
        if (instant == null) {
            return "–";
        }
        Duration age = Duration.between(instant, Instant.now());
        return age.isNegative() ? "in " + span(age.negated()) : span(age) + " ago";
    }

    static String span(Duration duration) {
        if (duration == null) {
            return "–";
        }
        long seconds = duration.toSeconds();
        return seconds < 120 ? seconds + " s" : seconds < 7200 ? seconds / 60 + " min"
                : seconds < 172_800 ? seconds / 3600 + " h" : seconds / 86_400 + " d";
    }

    static String rate(double value) {
        return String.format(Locale.ROOT, value < 10 ? "%.1f" : "%.0f", value);
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, share < 0.1 ? "%.1f %%" : "%.0f %%", share * 100);
    }
}
