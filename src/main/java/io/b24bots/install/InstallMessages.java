package io.b24bots.install;

import io.quarkus.qute.i18n.Message;
import io.quarkus.qute.i18n.MessageBundle;

/** The texts of the install and OAuth result pages, in English; Russian in {@code messages/install_ru.properties}. */
@MessageBundle(value = "install", locale = "en")
public interface InstallMessages {

    @Message("b24bots installed")
    String installedTitle();

    @Message("b24bots is installed on {domain}")
    String installedHeading(String domain);

    @Message("Finishing the installation…")
    String installedFinishing();

    @Message("Open this page from your Bitrix24 portal to finish the installation.")
    String installedOutsidePortal();

    @Message("b24bots authorised")
    String authorizedTitle();

    @Message("b24bots is authorised for {domain}")
    String authorizedHeading(String domain);

    @Message("The portal is connected. You can close this page.")
    String authorizedConnected();

    @Message("The portal is connected. Open the app once from your Bitrix24 portal to finish the installation: until then Bitrix24 sends no events this service can verify.")
    String authorizedFinishInPortal();
}
