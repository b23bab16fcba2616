package io.b24bots.support;

/** Text that goes into a log line or a stored error: on one line and of bounded length. */
public final class Texts {

    private Texts() {
    }

    /** At most {@code max} characters of {@code value} (null stays null). */
    public static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }

    /** {@code value} with control characters (line breaks included) as spaces, at most {@code max} long. */
    public static String printable(String value, int max) {
        return value == null ? null : cut(value.replaceAll("\\p{Cntrl}", " "), max);
    }
}
