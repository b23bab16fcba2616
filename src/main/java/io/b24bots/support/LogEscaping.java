package io.b24bots.support;

import java.util.Map;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Keeps every log line one line, whatever a request carried: control characters (line breaks
 * included) in a log line's arguments and MDC values are written escaped ({@code \n}, {@code \u0007}),
 * so a {@code member_id} or {@code DOMAIN} holding a newline cannot forge a line of its own. The
 * format strings are the code's own and are left as they are. Set on the console handler
 * ({@code quarkus.log.console.filter}); JSON logs escape as JSON on top of it.
 */
@LoggingFilter(name = LogEscaping.NAME)
public final class LogEscaping implements Filter {

    public static final String NAME = "b24-escape-values";

    @Override
    public boolean isLoggable(LogRecord record) {
        Object[] parameters = record.getParameters();
        if (parameters != null) {
            for (int i = 0; i < parameters.length; i++) {
                if (parameters[i] instanceof CharSequence text && needsEscaping(text)) {
                    parameters[i] = escape(text);
                }
            }
        }
        if (record instanceof ExtLogRecord ext) {
            for (Map.Entry<String, String> entry : ext.getMdcCopy().entrySet()) {
                if (entry.getValue() != null && needsEscaping(entry.getValue())) {
                    ext.putMdc(entry.getKey(), escape(entry.getValue()));
                }
            }
        }
        return true;
    }

    static boolean needsEscaping(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i)) || text.charAt(i) == '\u2028' || text.charAt(i) == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /** {@code text} with line breaks, tabs and other control characters written as escapes. */
    public static String escape(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
