package io.b24bots.portal;

import java.sql.Date;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.b24bots.support.SqlValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

/**
 * The vendor's view of the tenants for the operator console: counts, search and one portal's
 * details, read from {@code portal} and {@code portal_token} (never a token, only its dates), and the
 * app's marketplace status it keeps. Everything else in those tables is written by {@link PortalStore}.
 */
@ApplicationScoped
public class PortalCatalog {

    private static final Pattern MEMBER_ID = Pattern.compile("[0-9a-f]{32}");

    /** One line of the portal list. */
    public record Listed(String memberId, String domain, PortalStatus status, Instant statusSince, Instant installedAt,
            long botsRegistered, long botsFailed, long jobsFailed, boolean paused) {
    }

    /** What the console shows of one portal besides its bots and jobs. */
    public record Details(String memberId, String domain, String clientEndpoint, String oauthServer, PortalStatus status,
            Instant statusSince, Integer appVersion, String language, Long installedBy, Instant installedAt,
            Instant uninstalledAt, boolean hasApplicationToken, String appStatus, Boolean paymentExpired, Integer daysLeft,
            Instant appInfoAt, TokenState token) {
    }

    /** The stored OAuth pair's state: when it expires, when it was last refreshed, with which key it is sealed. */
    public record TokenState(Instant expiresAt, Instant refreshedAt, String keyId, boolean refreshInDoubt) {
    }

    /** Which portals a list shows: a search text (domain prefix or member_id), a status, an error code. */
    public record Search(String text, PortalStatus status, String errorCode) {
    }

    private final EntityManager em;

    PortalCatalog(EntityManager em) {
        this.em = em;
    }

    /** Portals by status, every status present (zero when none). */
    @Transactional
    public Map<PortalStatus, Long> countsByStatus() {
        Map<PortalStatus, Long> counts = new LinkedHashMap<>();
        for (PortalStatus status : PortalStatus.values()) {
            counts.put(status, 0L);
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select status, count(*) from portal group by status").getResultList();
        rows.forEach(row -> counts.put(PortalStatus.fromDb((String) row[0]), ((Number) row[1]).longValue()));
        return counts;
    }

    /** Installs and uninstalls per day (UTC) over the last {@code days} days, oldest first, every day present. */
    @Transactional
    public Map<LocalDate, long[]> installsPerDay(int days) {
        Map<LocalDate, long[]> perDay = new LinkedHashMap<>();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int i = days - 1; i >= 0; i--) {
            perDay.put(today.minusDays(i), new long[2]);
        }
        Instant since = today.minusDays(days - 1L).atStartOfDay(ZoneOffset.UTC).toInstant();
        count(perDay, 0, "installed_at", since);
        count(perDay, 1, "uninstalled_at", since);
        return perDay;
    }

    private void count(Map<LocalDate, long[]> perDay, int slot, String column, Instant since) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select cast(" + column + " at time zone 'UTC' as date), count(*) from portal"
                + " where " + column + " >= :since group by 1")
                .setParameter("since", since)
                .getResultList();
        for (Object[] row : rows) {
            long[] counts = perDay.get(row[0] instanceof Date date ? date.toLocalDate() : (LocalDate) row[0]);
            if (counts != null) {
                counts[slot] = ((Number) row[1]).longValue();
            }
        }
    }

    /** A page of the portals {@code search} selects, by domain. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Listed> search(Search search, int offset, int max) {
        // The page is chosen first; the counts are made for its rows only, not for the rows an offset skips.
        Query query = em.createNativeQuery("""
                select p.member_id, p.domain, p.status, p.status_since, p.installed_at,
                       (select count(*) from bot b where b.member_id = p.member_id and b.status = 'registered'),
                       (select count(*) from bot b where b.member_id = p.member_id and b.status = 'failed'),
                       (select count(*) from job j where j.member_id = p.member_id and j.status = 'failed'),
                       exists (select 1 from portal_pause pp where pp.member_id = p.member_id)
                from (select * from portal p where\s""" + where(search)
                + " order by p.domain, p.member_id offset :offset limit :max) p order by p.domain, p.member_id");
        List<Object[]> rows = bind(query, search).setParameter("offset", offset).setParameter("max", max).getResultList();
        return rows.stream().map(row -> new Listed((String) row[0], (String) row[1], PortalStatus.fromDb((String) row[2]),
                SqlValues.instant(row[3]), SqlValues.instant(row[4]), ((Number) row[5]).longValue(),
                ((Number) row[6]).longValue(), ((Number) row[7]).longValue(), (Boolean) row[8])).toList();
    }

    /** How many portals {@code search} selects, counted up to {@code upTo}. */
    @Transactional
    public long count(Search search, long upTo) {
        Query query = em.createNativeQuery("select count(*) from (select 1 from portal p where " + where(search)
                + " limit :upTo) selected");
        return ((Number) bind(query, search).setParameter("upTo", upTo).getSingleResult()).longValue();
    }

    private static String where(Search search) {
        StringBuilder where = new StringBuilder("true");
        String text = normalized(search.text());
        if (text != null) {
            where.append(MEMBER_ID.matcher(text).matches() ? " and (p.member_id = :text or p.domain like :prefix)"
                    : " and p.domain like :prefix");
        }
        if (search.status() != null) {
            where.append(" and p.status = :status");
        }
        if (search.errorCode() != null) {
            // From the failures' own indexes: a rare code is found without walking every portal.
            where.append(" and p.member_id in (select b.member_id from bot b where b.status = 'failed' and b.last_error_code = :code"
                    + " union select j.member_id from job j where j.status = 'failed' and j.error_code = :code)");
        }
        return where.toString();
    }

    private static Query bind(Query query, Search search) {
        String text = normalized(search.text());
        if (text != null) {
            if (MEMBER_ID.matcher(text).matches()) {
                query.setParameter("text", text);
            }
            query.setParameter("prefix", text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        if (search.status() != null) {
            query.setParameter("status", search.status().dbValue());
        }
        if (search.errorCode() != null) {
            query.setParameter("code", search.errorCode());
        }
        return query;
    }

    private static String normalized(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String trimmed = text.strip().toLowerCase(Locale.ROOT);
        // A pasted address: its host is what is stored.
        trimmed = trimmed.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        return trimmed.length() > 255 ? trimmed.substring(0, 255) : trimmed;
    }

    @Transactional
    public Optional<Details> details(String memberId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                select p.member_id, p.domain, p.client_endpoint, p.oauth_server, p.status, p.status_since, p.app_version,
                       p.language, p.installed_by, p.installed_at, p.uninstalled_at, p.application_token_hash is not null,
                       p.app_status, p.payment_expired, p.days_left, p.app_info_at,
                       t.expires_at, t.updated_at, t.key_id, t.refresh_in_doubt
                from portal p left join portal_token t on t.member_id = p.member_id
                where p.member_id = :member""")
                .setParameter("member", memberId)
                .getResultList();
        return rows.stream().findFirst().map(row -> new Details((String) row[0], (String) row[1], (String) row[2],
                (String) row[3], PortalStatus.fromDb((String) row[4]), SqlValues.instant(row[5]),
                row[6] == null ? null : ((Number) row[6]).intValue(), (String) row[7], SqlValues.number(row[8]),
                SqlValues.instant(row[9]), SqlValues.instant(row[10]), (Boolean) row[11], (String) row[12],
                (Boolean) row[13], row[14] == null ? null : ((Number) row[14]).intValue(), SqlValues.instant(row[15]),
                row[16] == null ? null
                        : new TokenState(SqlValues.instant(row[16]), SqlValues.instant(row[17]), (String) row[18],
                                Boolean.TRUE.equals(row[19]))));
    }

    /** Records the app's marketplace status in the portal, as {@code app.info} answered it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordAppInfo(String memberId, String status, Boolean paymentExpired, Integer daysLeft) {
        em.createNativeQuery("""
                update portal set app_status = :status, payment_expired = :expired, days_left = :days, app_info_at = now()
                where member_id = :member""")
                .setParameter("status", status)
                .setParameter("expired", paymentExpired)
                .setParameter("days", daysLeft)
                .setParameter("member", memberId)
                .executeUpdate();
    }

    /** Active portals but {@code except} whose marketplace status is older than {@code maxAge} (or never read), oldest first. */
    @Transactional
    public List<String> appInfoDue(Duration maxAge, Set<String> except, int max) {
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("""
                select member_id from portal where status = 'active'
                  and (app_info_at is null or app_info_at < now() - make_interval(secs => :age))
                  and member_id <> all(cast(:except as text[]))
                order by app_info_at nulls first limit :max""")
                .setParameter("age", (double) maxAge.toSeconds())
                .setParameter("except", except.toArray(String[]::new))
                .setParameter("max", max)
                .getResultList();
        return rows;
    }
}
