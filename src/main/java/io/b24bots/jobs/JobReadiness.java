package io.b24bots.jobs;

import java.time.Instant;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of this replica's job worker: DOWN while its dispatcher should run but is gone, and for
 * {@code b24.jobs.error-window} after a JVM Error in a job or the dispatcher, so a replica that ran
 * out of memory does not look healthy. A worker paused on purpose or disabled is UP.
 */
@Readiness
@ApplicationScoped
public class JobReadiness implements HealthCheck {

    static final String NAME = "Job worker";

    private final JobWorker worker;
    private final JobErrors errors;
    private final JobsConfig config;

    JobReadiness(JobWorker worker, JobErrors errors, JobsConfig config) {
        this.worker = worker;
        this.errors = errors;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        JobWorker.State state = worker.state();
        boolean recentError = errors.seenWithin(config.errorWindow());
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME)
                .status(state != JobWorker.State.DEAD && !recentError)
                .withData("state", state.name().toLowerCase(Locale.ROOT))
                .withData("errors", errors.count());
        Instant lastAt = errors.lastAt();
        if (recentError && lastAt != null) {
            response.withData("lastError", String.valueOf(errors.lastError())).withData("lastErrorAt", lastAt.toString());
        }
        return response.build();
    }
}
