package io.b24bots.web;

import io.quarkus.qute.i18n.Message;
import io.quarkus.qute.i18n.MessageBundle;

/** The texts of the error page, in English; Russian in {@code messages/errors_ru.properties}. */
@MessageBundle(value = "errors", locale = "en")
public interface ErrorMessages {

    @Message("The request is incomplete or malformed")
    String title400();

    @Message("We could not verify this request")
    String title401();

    @Message("Only a portal administrator can do this")
    String title403();

    @Message("Not found")
    String title404();

    @Message("Request too large")
    String title413();

    @Message("Too many attempts")
    String title429();

    @Message("Something went wrong")
    String title500();

    @Message("Temporarily unavailable")
    String title503();

    @Message("The request was refused")
    String titleOther();

    @Message("Open the app again from your Bitrix24 portal; if this keeps happening, reinstall it.")
    String advice400();

    @Message("We could not confirm with Bitrix24 that this request comes from your portal. Open the app again from the portal's menu.")
    String advice401();

    @Message("Only a Bitrix24 administrator of the portal can do this.")
    String advice403();

    @Message("No such resource.")
    String text404();

    @Message("This method is not allowed here.")
    String text405();

    @Message("The requested media type is not available.")
    String text406();

    @Message("The request body is too large.")
    String text413();

    @Message("This content type is not accepted here.")
    String text415();

    @Message("Too many attempts in a short time. Please wait a minute and try again.")
    String advice429();

    @Message("The service failed to handle this request.")
    String text500();

    @Message("The service is temporarily unavailable. Please try again in a moment.")
    String text503();

    @Message("The request was not understood.")
    String textOther();
}
