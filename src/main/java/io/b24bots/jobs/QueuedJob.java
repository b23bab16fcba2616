package io.b24bots.jobs;

import java.time.Instant;

/** A job as its handler sees it; {@code attempt} counts from 1. */
public record QueuedJob(long id, String kind, String memberId, String payload, int attempt, Instant createdAt) {
}
