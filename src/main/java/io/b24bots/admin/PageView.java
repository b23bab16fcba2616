package io.b24bots.admin;

import java.util.List;

/** Everything the admin page shows. */
public record PageView(
        String lang,
        String domain,
        String session,
        boolean admin,
        boolean notInstalled,
        boolean reauthRequired,
        boolean noApplicationToken,
        long workInProgress,
        boolean queued,
        int total,
        int registered,
        int pending,
        int failed,
        int deleted,
        List<BotView> bots) {
}
