package io.b24bots.jobs;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A job of a portal that failed for good: its kind, the error it ended with and when. */
public record FailedJob(String kind, String error, Instant at) {

    private static final Pattern CODE = Pattern.compile("(?:gave up after [0-9]+ attempts: )?([A-Za-z][A-Za-z0-9_]*):.*",
            Pattern.DOTALL);

    /** The error code the error text starts with ({@code CODE: what happened}); null when it names none. */
    public String code() {
        Matcher matcher = error == null ? null : CODE.matcher(error);
        return matcher != null && matcher.matches() ? matcher.group(1) : null;
    }
}
