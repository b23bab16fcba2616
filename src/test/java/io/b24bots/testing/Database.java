package io.b24bots.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.quarkus.arc.Arc;

/** Plain SQL against the service's database, so tests check what is really stored. */
public final class Database {

    private Database() {
    }

    public static List<Map<String, Object>> rows(String sql, Object... args) {
        DataSource dataSource = Arc.container().instance(DataSource.class).get();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c = 1; c <= columns; c++) {
                        row.put(result.getMetaData().getColumnLabel(c), result.getObject(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs statements without parameters, separated by semicolons (a test's data, an {@code analyze}). */
    public static void script(String sql) {
        DataSource dataSource = Arc.container().instance(DataSource.class).get();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs an insert, update or delete; returns the rows changed. */
    public static int update(String sql, Object... args) {
        DataSource dataSource = Arc.container().instance(DataSource.class).get();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> portal(String memberId) {
        List<Map<String, Object>> rows = rows("select * from portal where member_id = ?", memberId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public static Map<String, Object> token(String memberId) {
        List<Map<String, Object>> rows = rows("select * from portal_token where member_id = ?", memberId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * An installed portal's row for a made-up member id, for tests of the queue, which takes bot events
     * only for installed portals. Nothing else of a portal (tokens, bots) is made.
     */
    public static void installedPortal(String memberId) {
        update("""
                insert into portal (member_id, domain, client_endpoint, oauth_server, status, created_at, updated_at)
                values (?, ? || '.bitrix24.test', 'http://127.0.0.1:9/rest/', 'http://127.0.0.1:9/oauth', 'active', now(), now())
                on conflict (member_id) do nothing""", memberId, memberId);
    }

    /** The first column of the first row as text (null when SQL NULL). */
    public static String text(String sql, Object... args) {
        Object value = rows(sql, args).get(0).values().iterator().next();
        return value == null ? null : value.toString();
    }

    /** The first column of the first row as a number: a count, or the id an insert returned. */
    public static long number(String sql, Object... args) {
        return ((Number) rows(sql, args).get(0).values().iterator().next()).longValue();
    }

    public static long count(String sql, Object... args) {
        return ((Number) rows(sql, args).get(0).values().iterator().next()).longValue();
    }
}
