package io.b24bots.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import io.b24bots.admin.ErrorExplanations;
import io.b24bots.bitrix.PortalBreaker;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.registration.BotRollout;
import io.b24bots.bot.registration.Fingerprints;
import io.b24bots.console.ConsoleViews.BotLine;
import io.b24bots.console.ConsoleViews.CodeCount;
import io.b24bots.console.ConsoleViews.Count;
import io.b24bots.console.ConsoleViews.Day;
import io.b24bots.console.ConsoleViews.Frame;
import io.b24bots.console.ConsoleViews.Paging;
import io.b24bots.jobs.PortalPauses;
import io.b24bots.jobs.QueueInspection;
import io.b24bots.jobs.QueueInspection.Filter;
import io.b24bots.jobs.QueueInspection.JobSet;
import io.b24bots.portal.PortalCatalog;
import io.b24bots.portal.PortalCatalog.Search;
import io.b24bots.portal.PortalStatus;
import io.b24bots.web.Refusal;
import jakarta.enterprise.context.ApplicationScoped;

/** Builds each console page's view from the database and this replica's counters; never a token. */
@ApplicationScoped
public class ConsolePages {

    /** Lists count their rows up to this; beyond it the page says "10,000+". */
    static final long COUNT_CAP = 10_000;
    private static final int DAYS = 14;

    private final PortalCatalog portals;
    private final QueueInspection queue;
    private final PortalPauses pauses;
    private final BotRepository bots;
    private final BotRollout rollout;
    private final Fingerprints fingerprints;
    private final PortalBreaker breaker;
    private final ReplicaRates rates;
    private final OperatorAudit audit;
    private final ConsoleConfig config;
    private final BotsConfig botsConfig;

    ConsolePages(PortalCatalog portals, QueueInspection queue, PortalPauses pauses, BotRepository bots, BotRollout rollout,
            Fingerprints fingerprints, PortalBreaker breaker, ReplicaRates rates, OperatorAudit audit, ConsoleConfig config,
            BotsConfig botsConfig) {
        this.portals = portals;
        this.queue = queue;
        this.pauses = pauses;
        this.bots = bots;
        this.rollout = rollout;
        this.fingerprints = fingerprints;
        this.breaker = breaker;
        this.rates = rates;
        this.audit = audit;
        this.config = config;
        this.botsConfig = botsConfig;
    }

    public ConsoleViews.Overview overview(Frame frame) {
        List<Count> byStatus = new ArrayList<>();
        portals.countsByStatus().forEach((status, count) ->
                byStatus.add(new Count(status.dbValue(), count, "/console/portals?status=" + status.dbValue())));
        List<Day> days = new ArrayList<>();
        portals.installsPerDay(DAYS).forEach((day, counts) -> days.add(new Day(day, counts[0], counts[1])));
        Map<String, Long> jobFailures = queue.failuresByCode(Duration.ofDays(1), 10);
        return new ConsoleViews.Overview(frame, byStatus, days, rates.rates(), queue.depth(),
                jobFailures.values().stream().mapToLong(Long::longValue).sum(),
                codes(jobFailures, (code, n) -> "/console/queue?set=failed&code=" + code),
                codes(bots.failedByCode(10), (code, n) -> "/console/portals?code=" + code),
                breaker.openCount(), rollout.progress(), fingerprints.rolloutPause().orElse(null));
    }

    public ConsoleViews.Portals portals(Frame frame, String text, String status, String code, int page) {
        PortalStatus chosen = Arrays.stream(PortalStatus.values()).filter(s -> s.dbValue().equals(status)).findFirst().orElse(null);
        String errorCode = code(code);
        Search search = new Search(text, chosen, errorCode);
        long total = portals.count(search, COUNT_CAP + 1);
        String base = "/console/portals?q=" + url(text) + "&status=" + (chosen == null ? "" : chosen.dbValue())
                + "&code=" + (errorCode == null ? "" : errorCode);
        return new ConsoleViews.Portals(frame, text == null ? "" : text, chosen == null ? "" : chosen.dbValue(),
                errorCode == null ? "" : errorCode, portals.search(search, page * config.pageSize(), config.pageSize()),
                paging(page, total, base), Arrays.stream(PortalStatus.values()).map(PortalStatus::dbValue).toList());
    }

    public ConsoleViews.PortalPage portal(Frame frame, String memberId) {
        PortalCatalog.Details details = portals.details(memberId)
                .orElseThrow(() -> Refusal.notFound("No portal with this member_id."));
        List<BotLine> lines = bots.forPortal(memberId).stream().map(bot -> new BotLine(bot.code, bot.api.value(), bot.type,
                bot.botId, bot.status.dbValue(), bot.lastErrorCode, bot.lastErrorText,
                ErrorExplanations.english(bot.lastErrorCode), bot.attempts, bot.updatedAt, bot.turnedOffAt)).toList();
        return new ConsoleViews.PortalPage(frame, details, pauses.of(memberId).orElse(null), lines,
                queue.recent(memberId, 20), audit.page(memberId, 0, 10));
    }

    public ConsoleViews.Queue queue(Frame frame, String set, String kind, String code, int page) {
        JobSet which = "stuck".equals(set) ? JobSet.STUCK : JobSet.FAILED;
        Filter filter = filter(set, kind, code);
        long total = queue.count(filter, COUNT_CAP + 1);
        String base = "/console/queue?set=" + which.name().toLowerCase() + "&kind=" + (filter.kind() == null ? "" : filter.kind())
                + "&code=" + (filter.errorCode() == null ? "" : filter.errorCode());
        return new ConsoleViews.Queue(frame, which.name().toLowerCase(), filter.kind() == null ? "" : filter.kind(),
                filter.errorCode() == null ? "" : filter.errorCode(), queue.kinds(),
                queue.list(filter, page * config.pageSize(), config.pageSize()), paging(page, total, base), queue.depth());
    }

    public ConsoleViews.Rollout rollout(Frame frame) {
        Optional<Fingerprints.Recorded> recorded = fingerprints.recorded();
        return new ConsoleViews.Rollout(frame, fingerprints.declaration(), recorded.map(Fingerprints.Recorded::fingerprint).orElse(null),
                recorded.map(Fingerprints.Recorded::changedAt).orElse(null), fingerprints.isCurrent(), rollout.progress(),
                fingerprints.rolloutPause().orElse(null), botsConfig.rollout().concurrency());
    }

    public ConsoleViews.Audit audit(Frame frame, String memberId, int page) {
        String member = memberId == null || !memberId.matches("[0-9a-f]{32}") ? null : memberId;
        List<OperatorAudit.Entry> rows = audit.page(member, page * config.pageSize(), config.pageSize() + 1);
        boolean more = rows.size() > config.pageSize();
        String base = "/console/audit?portal=" + (member == null ? "" : member);
        Paging paging = new Paging(page, config.pageSize(), (long) page * config.pageSize() + Math.min(rows.size(), config.pageSize()),
                false, page > 0 ? base + "&page=" + (page - 1) : null, more ? base + "&page=" + (page + 1) : null);
        return new ConsoleViews.Audit(frame, member, more ? rows.subList(0, config.pageSize()) : rows, paging);
    }

    /** A queue filter from a page's parameters: unknown sets are the failed one, codes and kinds are checked. */
    static Filter filter(String set, String kind, String code) {
        return new Filter("stuck".equals(set) ? JobSet.STUCK : JobSet.FAILED,
                kind != null && kind.matches("[a-z0-9-]{1,64}") ? kind : null, code(code));
    }

    private static String code(String code) {
        return code != null && code.matches("[A-Za-z][A-Za-z0-9_]{0,99}") ? code : null;
    }

    private Paging paging(int page, long total, String base) {
        boolean capped = total > COUNT_CAP;
        long shown = Math.min(total, COUNT_CAP);
        boolean more = (long) (page + 1) * config.pageSize() < total;
        return new Paging(page, config.pageSize(), shown, capped, page > 0 ? base + "&page=" + (page - 1) : null,
                more ? base + "&page=" + (page + 1) : null);
    }

    private static List<CodeCount> codes(Map<String, Long> counts, BiFunction<String, Long, String> link) {
        List<CodeCount> out = new ArrayList<>();
        counts.forEach((code, n) -> out.add(new CodeCount(code == null ? "(no code)" : code, n,
                code == null ? null : ErrorExplanations.english(code), code == null ? null : link.apply(code, n))));
        return out;
    }

    private static String url(String text) {
        return text == null ? "" : URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
