package io.b24bots.console;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.b24bots.bot.administration.BotAdministration;
import io.b24bots.bot.registration.Fingerprints;
import io.b24bots.jobs.PortalPauses;
import io.b24bots.jobs.QueueInspection;
import io.b24bots.jobs.QueueInspection.Filter;
import io.b24bots.portal.PortalCatalog;
import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * What an operator can do from the console. Each action and its audit entry commit together: an
 * action that changed nothing is recorded as such, and none goes unrecorded.
 */
@ApplicationScoped
public class ConsoleActions {

    /** Most jobs one bulk action touches; the page says when more remain. */
    static final int BULK_MAX = 1000;

    private final QueueInspection queue;
    private final PortalPauses pauses;
    private final BotAdministration bots;
    private final Fingerprints rollout;
    private final PortalCatalog portals;
    private final OperatorAudit audit;

    ConsoleActions(QueueInspection queue, PortalPauses pauses, BotAdministration bots, Fingerprints rollout,
            PortalCatalog portals, OperatorAudit audit) {
        this.queue = queue;
        this.pauses = pauses;
        this.bots = bots;
        this.rollout = rollout;
        this.portals = portals;
        this.audit = audit;
    }

    /** Puts the portal's failed jobs back in the queue; returns how many. */
    @Transactional
    public int retryPortalFailures(String operator, String memberId) {
        requirePortal(memberId);
        int retried = count(queue.retry(queue.failedOf(memberId, BULK_MAX)));
        audit.record(operator, "retry-failed-work", memberId, retried + " failed job(s) queued again");
        return retried;
    }

    /** Brings the portal's bots in step with the declaration again, as its administrator's "Re-register all bots". */
    @Transactional
    public void reregisterBots(String operator, String memberId) {
        requirePortal(memberId);
        bots.reregisterAll(memberId);
        audit.record(operator, "reregister-bots", memberId, null);
    }

    @Transactional
    public boolean pausePortal(String operator, String memberId) {
        requirePortal(memberId);
        boolean paused = pauses.pause(memberId, operator);
        audit.record(operator, "pause-portal", memberId, paused ? null : "it was paused already");
        return paused;
    }

    @Transactional
    public boolean resumePortal(String operator, String memberId) {
        requirePortal(memberId);
        boolean resumed = pauses.resume(memberId);
        audit.record(operator, "resume-portal", memberId, resumed ? null : "it was not paused");
        return resumed;
    }

    /** Retries the given failed jobs, or up to {@link #BULK_MAX} of those {@code filter} selects; returns how many. */
    @Transactional
    public int retryJobs(String operator, List<Long> ids, Filter filter) {
        Map<String, List<Long>> retried = queue.retry(ids.isEmpty() ? queue.ids(filter, BULK_MAX) : ids);
        retried.forEach((memberId, jobs) -> audit.record(operator, "retry-jobs", memberId, describe(jobs, filter, ids)));
        return count(retried);
    }

    /** Deletes the given failed jobs, or up to {@link #BULK_MAX} of those {@code filter} selects; returns how many. */
    @Transactional
    public int discardJobs(String operator, List<Long> ids, Filter filter) {
        Map<String, List<Long>> discarded = queue.discard(ids.isEmpty() ? queue.ids(filter, BULK_MAX) : ids);
        discarded.forEach((memberId, jobs) -> audit.record(operator, "discard-jobs", memberId, describe(jobs, filter, ids)));
        return count(discarded);
    }

    @Transactional
    public boolean pauseRollout(String operator) {
        boolean paused = rollout.pauseRollout(operator);
        audit.record(operator, "pause-rollout", null, paused ? null : "it was paused already");
        return paused;
    }

    @Transactional
    public boolean resumeRollout(String operator) {
        boolean resumed = rollout.resumeRollout();
        audit.record(operator, "resume-rollout", null, resumed ? null : "it was not paused");
        return resumed;
    }

    private void requirePortal(String memberId) {
        if (memberId == null || portals.details(memberId).isEmpty()) {
            throw Refusal.notFound("No portal with this member_id.");
        }
    }

    private static String describe(List<Long> jobs, Filter filter, List<Long> chosen) {
        String which = chosen.isEmpty() ? "every " + filter.set().name().toLowerCase() + " job"
                + (filter.kind() == null ? "" : " of kind " + filter.kind())
                + (filter.errorCode() == null ? "" : " with " + filter.errorCode()) + ": " : "";
        return which + jobs.size() + " job(s): " + jobs.stream().limit(50).map(String::valueOf).collect(Collectors.joining(", "))
                + (jobs.size() > 50 ? ", ..." : "");
    }

    private static int count(Map<String, List<Long>> byPortal) {
        return byPortal.values().stream().mapToInt(List::size).sum();
    }
}
