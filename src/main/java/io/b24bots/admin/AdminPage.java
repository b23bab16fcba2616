package io.b24bots.admin;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.b24bots.admin.AdminDenied.Reason;
import io.b24bots.admin.AdminSession.Session;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.EventMode;
import io.b24bots.bot.administration.BotAdministration;
import io.b24bots.bot.administration.ReconcileBotsJob;
import io.b24bots.bot.administration.UnregisterBotJob;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.messaging.BotEventQueue;
import io.b24bots.bot.registration.ConvergeBotsJob;
import io.b24bots.bot.registration.RegisterBotsJob;
import io.b24bots.bot.settings.PortalBotSettings;
import io.b24bots.install.AppEventBindingJob;
import io.b24bots.install.TokenProver;
import io.b24bots.install.UninstallConfirmationJob;
import io.b24bots.jobs.FailedJob;
import io.b24bots.oauth.AppInfo;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.web.FramePolicy;
import io.b24bots.web.FrameRequest;
import io.b24bots.web.Refusal;
import io.quarkus.qute.i18n.Localized;
import io.quarkus.qute.i18n.MessageBundles;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The admin page's logic: proves who opened it, builds what it shows from the database alone,
 * and turns an administrator's click into queued work.
 */
@ApplicationScoped
public class AdminPage {

    private static final Logger LOG = Logger.getLogger(AdminPage.class);
    /** Failed jobs the page lists; older ones stay in the database until the retention removes them. */
    static final int SHOWN_FAILURES = 10;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** The actions the page offers; anything else in the URL is refused. */
    public enum Action { RETRY, UNREGISTER, REREGISTER, RECONCILE, SETTINGS }

    /** Setting changes the page lists. */
    static final int SHOWN_CHANGES = 10;

    private final TokenProver prover;
    private final PortalStore portals;
    private final BotRepository botRows;
    private final AdminSession sessions;
    private final BotAdministration bots;
    private final BotCatalog catalog;
    private final AdminRights rights;
    private final PortalBotSettings settings;

    AdminPage(TokenProver prover, PortalStore portals, BotRepository botRows, AdminSession sessions, BotAdministration bots,
            BotCatalog catalog, AdminRights rights, PortalBotSettings settings) {
        this.settings = settings;
        this.rights = rights;
        this.prover = prover;
        this.portals = portals;
        this.botRows = botRows;
        this.sessions = sessions;
        this.bots = bots;
        this.catalog = catalog;
    }

    /** An opened page: its session and the signed token that carries it. */
    public record Opened(Session session, String token) {
    }

    /** The frame POST: the token is proven at a trusted OAuth server, admin-ness asked of the portal. */
    public Opened open(FrameRequest frame) {
        String lang = language(frame.lang());
        if (frame.memberId() == null || frame.authId() == null) {
            throw new AdminDenied(Reason.UNVERIFIED, lang);
        }
        AppInfo info;
        try {
            info = prover.verify(prover.trustedServer(frame.serverEndpoint()), frame.authId(), frame.memberId(), frame.domain());
        } catch (Refusal e) {
            throw new AdminDenied(e.kind() == Refusal.Kind.UNAVAILABLE ? Reason.UNAVAILABLE : Reason.UNVERIFIED, lang);
        }
        Optional<Portal> portal = portals.find(info.memberId());
        boolean admin = false;
        if (portal.isPresent() && portal.get().status != PortalStatus.UNINSTALLED) {
            admin = isAdmin(portal.get(), frame.authId(), lang);
        }
        long userId = info.userId() == null ? 0 : info.userId();
        String token = sessions.issue(info.memberId(), userId, admin, lang, frame.https(), frame.authId(), frame.authExpires());
        return new Opened(sessions.verify(token).orElseThrow(() -> new AdminDenied(Reason.UNVERIFIED, lang)), token);
    }

    /**
     * Where the page is shown again after an action: this path, with the portal's domain in the query
     * (so the page may be framed by it) and the session in the fragment (so no server or proxy sees it).
     */
    public String reloadUrl(Session session, String token, boolean queued) {
        String domain = portals.find(session.memberId()).map(p -> p.domain).orElse(null);
        StringBuilder url = new StringBuilder("/b24/app?LANG=").append(session.lang());
        if (queued) {
            url.append("&queued=true");
        }
        if (domain != null && FrameRequest.HOST.matcher(domain).matches()) {
            url.append("&DOMAIN=").append(domain).append("&PROTOCOL=").append(session.https() ? "1" : "0");
        }
        return url.append("#session=").append(token).toString();
    }

    /** A later request of the page: the signed session or nothing. */
    public Session resume(String token, String lang) {
        return sessions.verify(token).orElseThrow(() -> new AdminDenied(Reason.UNVERIFIED, language(lang)));
    }

    public void act(Session session, Action action, Long rowId, Map<String, String> values) {
        if (!session.admin() || !rights.stillAdmin(session)) {
            LOG.infof("Non-admin user %d of portal %s tried %s", session.userId(), session.memberId(), action);
            throw new AdminDenied(Reason.FORBIDDEN, session.lang());
        }
        switch (action) {
            case SETTINGS -> changeSettings(session, requireRow(session.memberId(), rowId), values);
            case RETRY -> bots.retry(session.memberId(), requireRow(session.memberId(), rowId));
            case UNREGISTER -> bots.turnOff(session.memberId(), requireRow(session.memberId(), rowId), session.userId());
            case REREGISTER -> bots.reregisterAll(session.memberId());
            case RECONCILE -> bots.reconcile(session.memberId());
        }
        LOG.infof("Admin %d of portal %s asked for %s", session.userId(), session.memberId(), action);
    }

    /** Everything the page shows, from the database only: no Bitrix24 call, however many bots. */
    public PageView view(Session session, String token, boolean queued) {
        AdminMessages msg = MessageBundles.get(AdminMessages.class, Localized.Literal.of(session.lang()));
        Optional<Portal> portal = portals.find(session.memberId());
        boolean notInstalled = portal.isEmpty() || portal.get().status == PortalStatus.UNINSTALLED;
        // Counted before the bots are read: work that ends in between then still reloads the page,
        // instead of leaving it showing a bot as pending with nothing left to wait for.
        long workInProgress = notInstalled ? 0 : bots.workInProgress(session.memberId());
        List<BotView> rows = new ArrayList<>();
        int registered = 0;
        int pending = 0;
        int failed = 0;
        int deleted = 0;
        List<Bot> botList = notInstalled ? List.of() : botRows.forPortal(session.memberId());
        for (Bot bot : botList) {
            switch (bot.status) {
                case REGISTERED -> registered++;
                case PENDING -> pending++;
                case FAILED -> failed++;
                case DELETED -> deleted++;
            }
            rows.add(row(bot, msg, session.admin()));
        }
        List<FailureView> failures = notInstalled ? List.of()
                : bots.recentFailures(session.memberId(), SHOWN_FAILURES).stream().map(f -> failure(f, msg)).toList();
        return new PageView(session.lang(), portal.map(p -> p.domain).orElse(""),
                portal.map(p -> FramePolicy.origin(p.domain, session.https())).orElse(null), token, reloadUrl(session, token, false),
                session.admin(), notInstalled,
                portal.map(p -> p.status == PortalStatus.REAUTH_REQUIRED).orElse(false),
                portal.map(p -> !p.hasApplicationToken()).orElse(false),
                workInProgress, queued,
                rows.size(), registered, pending, failed, deleted, rows, failures, settings(session, botList),
                notInstalled ? List.of() : settingChanges(session));
    }

    /** An administrator's values for one bot's settings; a value the setting does not take refuses them all. */
    private void changeSettings(Session session, long rowId, Map<String, String> values) {
        Bot row = botRows.row(session.memberId(), rowId).orElseThrow(() -> Refusal.notFound("This portal has no such bot."));
        BotDefinition bot = catalog.byCode(row.code).orElseThrow(() -> Refusal.notFound("This bot is no longer declared."));
        List<PortalBotSettings.Change> changes;
        try {
            changes = settings.change(session.memberId(), bot, values, session.userId());
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
        changes.forEach(c -> LOG.infof("Admin %d of portal %s set %s of bot %s", session.userId(), session.memberId(), c.key(),
                c.botCode()));
    }

    private List<SettingsView> settings(Session session, List<Bot> rows) {
        List<SettingsView> out = new ArrayList<>();
        for (Bot row : rows) {
            Optional<BotDefinition> bot = catalog.byCode(row.code);
            if (bot.isEmpty() || bot.get().settings().isEmpty()) {
                continue;
            }
            List<SettingsView.Field> fields = new ArrayList<>();
            settings.current(session.memberId(), bot.get()).forEach((setting, value) -> fields.add(new SettingsView.Field(
                    setting.key(), setting.label(session.lang()), setting.type().name().toLowerCase(Locale.ROOT), value,
                    setting.options(), setting.min(), setting.max())));
            out.add(new SettingsView(row.id, bot.get().displayName(), row.code, fields));
        }
        return out;
    }

    private List<SettingsView.Change> settingChanges(Session session) {
        return settings.history(session.memberId(), SHOWN_CHANGES).stream().map(c -> {
            Optional<BotDefinition> bot = catalog.byCode(c.botCode());
            String label = bot.flatMap(b -> b.setting(c.key())).map(s -> s.label(session.lang())).orElse(c.key());
            return new SettingsView.Change(bot.map(BotDefinition::displayName).orElse(c.botCode()), label,
                    c.oldValue() == null ? "" : c.oldValue(), c.newValue(), c.userId(), c.at() == null ? "" : TIME.format(c.at()));
        }).toList();
    }

    private static FailureView failure(FailedJob job, AdminMessages msg) {
        String work = switch (job.kind()) {
            case BotEventQueue.KIND -> msg.workBotEvent();
            case RegisterBotsJob.KIND -> msg.workRegister();
            case ConvergeBotsJob.KIND, ConvergeBotsJob.REQUESTED_KIND -> msg.workConverge();
            case UnregisterBotJob.KIND -> msg.workUnregister();
            case ReconcileBotsJob.KIND -> msg.workReconcile();
            case UninstallConfirmationJob.KIND -> msg.workUninstall();
            case AppEventBindingJob.KIND -> msg.workBindEvents();
            default -> msg.workOther();
        };
        String code = job.code();
        return new FailureView(work, code, ErrorExplanations.explain(code, msg), job.at() == null ? "" : TIME.format(job.at()));
    }

    private BotView row(Bot bot, AdminMessages msg, boolean admin) {
        String name = catalog.byCode(bot.code).map(BotDefinition::displayName).orElse(bot.code);
        String statusLabel = switch (bot.status) {
            case REGISTERED -> msg.statusRegistered();
            case PENDING -> msg.statusPending();
            case FAILED -> msg.statusFailed();
            case DELETED -> bot.turnedOffAt != null ? msg.statusTurnedOff() : msg.statusDeleted();
        };
        String turnedOff = bot.turnedOffAt == null ? null
                : msg.turnedOffBy(bot.turnedOffBy == null ? "?" : String.valueOf(bot.turnedOffBy), TIME.format(bot.turnedOffAt));
        String mode = bot.eventMode == null ? msg.modeV1() : bot.eventMode == EventMode.FETCH ? msg.modeFetch() : msg.modeWebhook();
        boolean canRetry = admin && (bot.status == BotStatus.FAILED || bot.status == BotStatus.DELETED);
        boolean canUnregister = admin && bot.botId != null && bot.status == BotStatus.REGISTERED;
        return new BotView(bot.id, name, bot.code, bot.api.value(), bot.type, mode, bot.botId, bot.status.dbValue(), statusLabel,
                bot.lastErrorCode, ErrorExplanations.explain(bot.lastErrorCode, msg), bot.attempts,
                bot.updatedAt == null ? "" : TIME.format(bot.updatedAt), turnedOff, canRetry,
                turnedOff != null ? msg.actionTurnOn() : bot.status == BotStatus.DELETED ? msg.actionRegister() : msg.actionRetry(),
                canUnregister);
    }

    private boolean isAdmin(Portal portal, String authId, String lang) {
        try {
            // Asked at the endpoint stored for the portal, never at the DOMAIN the request names.
            return prover.isAdmin(portal.memberId, portal.clientEndpoint, authId);
        } catch (Refusal e) {
            throw new AdminDenied(e.kind() == Refusal.Kind.UNAVAILABLE ? Reason.UNAVAILABLE : Reason.UNVERIFIED, lang);
        }
    }

    private long requireRow(String memberId, Long rowId) {
        if (rowId == null) {
            throw Refusal.invalid("The action names no bot.");
        }
        if (!bots.has(memberId, rowId)) {
            throw Refusal.notFound("This portal has no such bot.");
        }
        return rowId;
    }

    static String language(String lang) {
        return lang != null && lang.toLowerCase(Locale.ROOT).startsWith("ru") ? "ru" : "en";
    }
}
