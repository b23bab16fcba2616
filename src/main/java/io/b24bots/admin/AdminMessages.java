package io.b24bots.admin;

import io.b24bots.bot.Bot;
import io.quarkus.qute.i18n.Message;
import io.quarkus.qute.i18n.MessageBundle;

/** Every text of the admin page, in English; Russian in {@code messages/msg_ru.properties}. */
@MessageBundle(value = "msg", locale = "en")
public interface AdminMessages {

    @Message("Chat bots")
    String title();

    @Message("Bots of this app on {domain}")
    String subtitle(String domain);

    @Message("Total")
    String countTotal();

    @Message("Registered")
    String countRegistered();

    @Message("Pending")
    String countPending();

    @Message("Failed")
    String countFailed();

    @Message("Deleted")
    String countDeleted();

    @Message("Name")
    String colName();

    @Message("Code")
    String colCode();

    @Message("API")
    String colApi();

    @Message("Type")
    String colType();

    @Message("Events")
    String colEventMode();

    @Message("Bot ID")
    String colBotId();

    @Message("Status")
    String colStatus();

    @Message("Attempts")
    String colAttempts();

    @Message("Last change")
    String colChanged();

    @Message("Actions")
    String colActions();

    @Message("pending")
    String statusPending();

    @Message("registered")
    String statusRegistered();

    @Message("failed")
    String statusFailed();

    @Message("deleted")
    String statusDeleted();

    @Message("turned off")
    String statusTurnedOff();

    @Message("Turned off by user {user} on {time}: it stays off through updates of the app until an administrator turns it on.")
    String turnedOffBy(String user, String time);

    @Message("polling")
    String modeFetch();

    @Message("webhook")
    String modeWebhook();

    @Message("handler URLs")
    String modeV1();

    @Message("Retry")
    String actionRetry();

    @Message("Turn off")
    String actionUnregister();

    @Message("Register again")
    String actionRegister();

    @Message("Turn on")
    String actionTurnOn();

    @Message("Re-register all bots")
    String actionReregisterAll();

    @Message("Refresh from Bitrix24")
    String actionReconcile();

    @Message("Turn off the bot {name} in this portal? It is unregistered (its private chats are deleted in Bitrix24) and stays off until an administrator turns it on.")
    String confirmUnregister(String name);

    @Message("Bot list of the portal")
    String tableCaption();

    @Message("No bots are declared for this app yet. Bots are declared in the service's configuration (b24.bots.*).")
    String emptyState();

    @Message("Work in progress: {count} queued or running. This page refreshes itself.")
    String inProgress(long count);

    @Message("Refresh")
    String refresh();

    @Message("The action was queued.")
    String actionQueued();

    @Message("Bitrix24 no longer accepts this app's access: an administrator needs to open the app from the portal again (or reinstall it) so bots can be managed.")
    String bannerReauth();

    @Message("Bitrix24 has not sent this app its event token yet, so bot messages cannot be verified. Open the app once from the portal menu to finish the installation.")
    String bannerNoApplicationToken();

    @Message("The app is not installed on this portal (or was removed). Install it from the Bitrix24 Market, then open it again.")
    String bannerNotInstalled();

    @Message("You can see the bots; only a portal administrator can change them.")
    String readOnly();

    @Message("Open this page from your Bitrix24 portal")
    String deniedTitle();

    @Message("We could not verify that this request comes from your Bitrix24 portal, or the page was open too long. Open the app again from the portal's menu.")
    String deniedUnverified();

    @Message("Only a Bitrix24 administrator can do this.")
    String deniedForbidden();

    @Message("Bitrix24 could not be reached to check your access. Please try again in a moment.")
    String deniedUnavailable();

    @Message("Another app in this portal already uses this bot's code. Change the code in the configuration, or remove the other app.")
    String explainTaken();

    @Message("The app has reached Bitrix24's limit of bots (5 for the old API, 100 for the new one).")
    String explainLimit();

    @Message("The app lacks a permission in this portal: check that it has the \"imbot\" scope and that the portal's plan allows REST apps.")
    String explainPermission();

    @Message("Bitrix24 refused the bot's settings (name, type, avatar or other fields). Fix the declaration in the configuration, then retry.")
    String explainSettings();

    @Message("Bitrix24 did not accept the address that receives the bot's events. The service must be reachable from the internet over HTTPS.")
    String explainCallback();

    @Message("Bitrix24 asked the app to slow down. The registration is retried automatically.")
    String explainSlowDown();

    @Message("Bitrix24 could not be reached or answered with an internal error. The registration is retried automatically; you can also retry now.")
    String explainUnavailable();

    @Message("The app's access to this portal has expired. Open the app from the portal again, or reinstall it.")
    String explainAccess();

    @Message("Bitrix24 support has blocked REST access for this portal. Contact Bitrix24 support.")
    String explainBlocked();

    @Message("The bot, or one of its commands, no longer exists in the portal. \"Register again\" registers what is missing.")
    String explainNotFound();

    @Message("The bot's own code failed on an event, even after retries. The text names the hook and the handler; the service's log has the details.")
    String explainHandler();

    @Message("Bitrix24 answered with an error this page does not know yet.")
    String explainOther();

    @Message("Bitrix24 refused a message the bot wrote (empty, too large or malformed). The bot's code has to change; the service's log names the handler.")
    String explainMessage();

    @Message("The service stopped each time it ran this work, so it is not run again. The app's vendor sees it too.")
    String explainAbandoned();

    @Message("Work that failed")
    String failuresTitle();

    @Message("Settings")
    String settingsTitle();

    @Message("Save")
    String settingsSave();

    @Message("On")
    String settingsOn();

    @Message("Off")
    String settingsOff();

    @Message("Recent changes of the settings")
    String changesTitle();

    @Message("Setting")
    String colSetting();

    @Message("Was")
    String colWas();

    @Message("Now")
    String colNow();

    @Message("By user")
    String colUser();

    @Message("Background work of this portal that failed for good, newest first")
    String failuresCaption();

    @Message("Work")
    String colWork();

    @Message("Error")
    String colError();

    @Message("When")
    String colWhen();

    @Message("A bot answering a message")
    String workBotEvent();

    @Message("Registering the bots")
    String workRegister();

    @Message("Bringing the bots up to date")
    String workConverge();

    @Message("Removing a bot")
    String workUnregister();

    @Message("Checking the bots against Bitrix24")
    String workReconcile();

    @Message("Confirming that the app was removed")
    String workUninstall();

    @Message("Subscribing to the app's events")
    String workBindEvents();

    @Message("Background work")
    String workOther();
}
