package io.b24bots.console;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import io.b24bots.bot.registration.BotRollout;
import io.b24bots.bot.registration.Fingerprints;
import io.b24bots.jobs.PortalPauses;
import io.b24bots.jobs.QueueInspection.Depth;
import io.b24bots.jobs.QueueInspection.JobRow;
import io.b24bots.portal.PortalCatalog.Details;
import io.b24bots.portal.PortalCatalog.Listed;

/** What each console page shows, computed before rendering: templates only lay it out. */
public final class ConsoleViews {

    private ConsoleViews() {
    }

    /**
     * What every page has: who is signed in, the token its forms carry, which section it is, and a
     * notice about the action just done (null for none).
     */
    public record Frame(String operator, String csrf, String section, String notice) {
    }

    /** A count with its label, for the counters and the small tables. */
    public record Count(String label, long value, String link) {
    }

    /** Installs and uninstalls of one day. */
    public record Day(LocalDate day, long installs, long uninstalls) {
    }

    /** An error code, how often it was seen, and what it means. */
    public record CodeCount(String code, long count, String advice, String link) {
    }

    public record Overview(Frame frame, List<Count> portals, List<Day> days, ReplicaRates.Rates rates, Depth queue, long failedToday, List<CodeCount> jobFailures, List<CodeCount> botFailures,
            long breakersOpen, BotRollout.Progress rollout, Fingerprints.RolloutPause rolloutPause) {
    }

    /** A page of a list: where it starts, its size, and how many rows there are (capped). */
    public record Paging(int page, int pageSize, long total, boolean totalCapped, String previous, String next) {

        public long first() {
            return total == 0 ? 0 : (long) page * pageSize + 1;
        }

        public long last() {
            return Math.min(total, (long) (page + 1) * pageSize);
        }
    }

    public record Portals(Frame frame, String query, String status, String errorCode, List<Listed> rows, Paging paging,
            List<String> statuses) {
    }

    /** One bot of a portal as the console shows it. */
    public record BotLine(String code, String api, String type, Long botId, String status, String errorCode, String errorText,
            String advice, int attempts, Instant changed, Instant turnedOffAt) {
    }

    public record PortalPage(Frame frame, Details portal, PortalPauses.Pause pause, List<BotLine> bots, List<JobRow> jobs,
            List<OperatorAudit.Entry> audit) {
    }

    public record Queue(Frame frame, String set, String kind, String errorCode, List<String> kinds, List<JobRow> rows,
            Paging paging, Depth depth) {
    }

    public record Rollout(Frame frame, String declared, String recorded, Instant changedAt, boolean current,
            BotRollout.Progress progress, Fingerprints.RolloutPause pause, int concurrency) {
    }

    public record Audit(Frame frame, String memberId, List<OperatorAudit.Entry> rows, Paging paging) {
    }

    /** The sign-in page: whether the last attempt failed, and how this console signs in. */
    public record Login(boolean failed, boolean formLogin, boolean oidc) {
    }
}
