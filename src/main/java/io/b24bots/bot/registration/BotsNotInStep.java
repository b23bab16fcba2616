package io.b24bots.bot.registration;

import io.b24bots.jobs.JobFailure;

/**
 * A run that could not bring every bot of its portal in step and will not succeed by retrying now:
 * the job fails with the Bitrix24 code, and the rollout leaves the portal alone for a while.
 */
class BotsNotInStep extends RuntimeException implements JobFailure {

    private final String code;

    BotsNotInStep(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    @Override
    public Kind jobFailureKind() {
        return Kind.PERMANENT;
    }

    @Override
    public String jobFailureCode() {
        return code;
    }
}
