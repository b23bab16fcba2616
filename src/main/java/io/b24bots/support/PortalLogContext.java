package io.b24bots.support;

import org.jboss.logging.MDC;

/**
 * Puts the portal's member_id on every log line written while it is set (JSON logs carry it as a
 * field, the console format prints it). Always cleared, since request and job threads are reused.
 * Only a value of a member_id's shape is put there: a request's claim may hold anything.
 */
public final class PortalLogContext implements AutoCloseable {

    public static final String MEMBER_ID = "member_id";

    private final Object previous;

    private PortalLogContext(String memberId) {
        previous = MDC.get(MEMBER_ID);
        if (MemberIds.valid(memberId)) {
            MDC.put(MEMBER_ID, memberId);
        }
    }

    /** Use in try-with-resources around work for one portal. */
    public static PortalLogContext of(String memberId) {
        return new PortalLogContext(memberId);
    }

    @Override
    public void close() {
        if (previous == null) {
            MDC.remove(MEMBER_ID);
        } else {
            MDC.put(MEMBER_ID, previous);
        }
    }
}
