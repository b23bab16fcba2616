package io.b24bots.install;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.config.B24Config;
import io.b24bots.config.PublicUrls;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Subscribes the portal's app lifecycle events to {@code /b24/events} with {@code event.bind}.
 * Only {@code ONAPPINSTALL} comes from the app's card; without this the service would never hear
 * of an uninstall. Bindings already in place (as {@code event.get} lists them) are left alone.
 */
@ApplicationScoped
public class AppEventBindingJob implements JobHandler {

    public static final String KIND = "bind-app-events";
    static final List<String> EVENTS = List.of("ONAPPUNINSTALL", "ONAPPUPDATE");

    private static final Logger LOG = Logger.getLogger(AppEventBindingJob.class);

    private final BitrixClient bitrix;
    private final B24Config config;

    AppEventBindingJob(BitrixClient bitrix, B24Config config) {
        this.bitrix = bitrix;
        this.config = config;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** Failures follow the queue's policy: transient ones retry, a refusal fails the job, an unavailable portal skips it. */
    @Override
    public void run(QueuedJob job) {
        String handler = PublicUrls.events(config);
        JsonNode bound = bitrix.call(job.memberId(), "event.get", Map.of()).result();
        for (String event : EVENTS) {
            if (!isBound(bound, event, handler)) {
                bind(job.memberId(), event, handler);
            }
        }
    }

    private void bind(String memberId, String event, String handler) {
        try {
            bitrix.call(memberId, "event.bind", Map.of("event", event, "handler", handler));
            LOG.infof("Bound %s of portal %s", event, memberId);
        } catch (BitrixException e) {
            // Bound meanwhile (another install of the same portal): what we wanted. event.bind's page is
            // silent on a second binding; the REST error page's example is ERROR_HANDLER_ALREADY_EXIST
            // "Handler already exists!", and the portal core answers ERROR_CORE "Handler already binded".
            if (!alreadyBound(e)) {
                throw e;
            }
        }
    }

    static boolean alreadyBound(BitrixException e) {
        String text = e.description() == null ? "" : e.description().toLowerCase(Locale.ROOT);
        return "ERROR_HANDLER_ALREADY_EXIST".equals(e.code()) || "ERROR_CORE".equals(e.code()) && text.contains("already bind");
    }

    private static boolean isBound(JsonNode bound, String event, String handler) {
        for (JsonNode binding : bound) {
            if (event.equalsIgnoreCase(binding.path("event").asText()) && handler.equals(binding.path("handler").asText())) {
                return true;
            }
        }
        return false;
    }
}
