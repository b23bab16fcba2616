package io.b24bots.admin;

import java.util.List;

/** Everything the admin page shows. */
public record PageView(
        String lang,
        String domain,
        /** The portal's origin, the only parent allowed to frame the page; null when unknown. */
        String frameOrigin,
        String session,
        /** This page's own address to reload it by: the session only in the fragment. */
        String reloadUrl,
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
        List<BotView> bots,
        /** The portal's background work that failed for good, newest first. */
        List<FailureView> failures,
        /** The settings of the portal's bots that declare any. */
        List<SettingsView> settings,
        /** The latest changes of those settings, newest first. */
        List<SettingsView.Change> settingChanges) {
}
