package io.b24bots.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SQL written with named parameters ({@code :kind}), turned once into JDBC's positional ones and,
 * in order, the names they stood for: readable statements on the plain-JDBC hot paths.
 */
record PositionalSql(String text, List<String> names) {

    /** A name after a single colon; {@code ::type} casts are left alone. */
    private static final Pattern NAMED = Pattern.compile("(?<!:):([a-zA-Z]\\w*)");

    static PositionalSql of(String named) {
        List<String> names = new ArrayList<>();
        Matcher matcher = NAMED.matcher(named);
        StringBuilder text = new StringBuilder();
        while (matcher.find()) {
            names.add(matcher.group(1));
            matcher.appendReplacement(text, "?");
        }
        matcher.appendTail(text);
        return new PositionalSql(text.toString(), List.copyOf(names));
    }
}
