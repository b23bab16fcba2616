package io.b24bots.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.Arc;

/** PostgreSQL's plan of a statement as it ran, so tests check what a query reads, not only what it answers. */
public final class QueryPlans {

    private QueryPlans() {
    }

    /**
     * Runs {@code sql} (numbered parameters of {@code types}) once with {@code arguments} (SQL
     * literals), planned under {@code planMode} ({@code force_custom_plan}, {@code force_generic_plan}),
     * and rolls back what it changed; the plan of {@code explain (analyze, buffers, format json)}.
     */
    public static JsonNode explain(String planMode, String sql, String types, String arguments) {
        DataSource dataSource = Arc.container().instance(DataSource.class).get();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("set local plan_cache_mode = " + planMode);
            statement.execute("prepare explained(" + types + ") as " + sql);
            try (ResultSet result = statement.executeQuery("explain (analyze, buffers, format json) execute explained(" + arguments + ")")) {
                result.next();
                return new ObjectMapper().readTree(result.getString(1)).get(0);
            } finally {
                connection.rollback();
                // The prepared statement belongs to the pooled session.
                statement.execute("deallocate explained");
                connection.setAutoCommit(true);
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code sql}'s JDBC placeholders as PostgreSQL's numbered ones, for {@code prepare}. */
    public static String numbered(String sql) {
        String out = sql;
        for (int i = 1; out.contains("?"); i++) {
            out = out.replaceFirst("\\?", "\\$" + i);
        }
        return out;
    }

    /** Rows the plan's nodes on {@code relation} read (returned or filtered out), every loop counted. */
    public static long rowsRead(JsonNode plan, String relation) {
        long rows = 0;
        for (JsonNode node : nodes(plan)) {
            if (relation.equals(node.path("Relation Name").asText())) {
                rows += (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong())
                        * node.path("Actual Loops").asLong();
            }
        }
        return rows;
    }

    /** Every node of the plan, the top one first. */
    public static List<JsonNode> nodes(JsonNode plan) {
        List<JsonNode> nodes = new ArrayList<>();
        collect(plan.get("Plan"), nodes);
        return nodes;
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        into.add(node);
        for (JsonNode child : node.path("Plans")) {
            collect(child, into);
        }
    }
}
