package io.b24bots.console;

import java.time.Instant;
import java.util.List;

import io.b24bots.support.SqlValues;
import io.b24bots.support.Texts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/** The audit log of operator actions (table {@code operator_action}): who did what, when, on which portal. */
@ApplicationScoped
public class OperatorAudit {

    private static final Logger LOG = Logger.getLogger(OperatorAudit.class);

    /** One recorded action. */
    public record Entry(long id, Instant at, String operator, String action, String memberId, String detail) {
    }

    private final EntityManager em;

    OperatorAudit(EntityManager em) {
        this.em = em;
    }

    /** Records an action in the caller's transaction: it is kept exactly when the action's changes are. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String operator, String action, String memberId, String detail) {
        em.createNativeQuery("insert into operator_action (operator, action, member_id, detail) values (:operator, :action, :member, :detail)")
                .setParameter("operator", Texts.printable(operator, 200))
                .setParameter("action", action)
                .setParameter("member", memberId)
                .setParameter("detail", detail == null ? null : Texts.printable(detail, 2000))
                .executeUpdate();
        LOG.infof("Console: %s did %s%s%s", operator, action, memberId == null ? "" : " on portal " + memberId,
                detail == null ? "" : " (" + detail + ")");
    }

    /** A page of the log, newest first; only the portal's entries when {@code memberId} is given. */
    @Transactional
    public List<Entry> page(String memberId, int offset, int max) {
        Query query = em.createNativeQuery("select id, at, operator, action, member_id, detail from operator_action"
                + (memberId == null ? "" : " where member_id = :member") + " order by at desc, id desc offset :offset limit :max")
                .setParameter("offset", offset)
                .setParameter("max", max);
        if (memberId != null) {
            query.setParameter("member", memberId);
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = query.getResultList();
        return rows.stream().map(row -> new Entry(((Number) row[0]).longValue(), SqlValues.instant(row[1]), (String) row[2],
                (String) row[3], (String) row[4], (String) row[5])).toList();
    }
}
