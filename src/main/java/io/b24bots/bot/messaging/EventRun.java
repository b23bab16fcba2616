package io.b24bots.bot.messaging;

import io.b24bots.jobs.QueuedJob;

/** One queued event and the outbox of the run it is part of. */
record EventRun(QueuedJob job, PortalOutbox outbox) {

    String memberId() {
        return job.memberId();
    }
}
