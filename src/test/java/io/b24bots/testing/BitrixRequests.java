package io.b24bots.testing;

import static io.restassured.RestAssured.given;

import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.Bitrix24Emulator.Tokens;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Requests as Bitrix24 sends them to the service: the iframe install POST and form-encoded events. */
public final class BitrixRequests {

    private BitrixRequests() {
    }

    public static RequestSpecification frame(Portal portal, Tokens tokens, String serverEndpoint, String applicationToken) {
        return frame(portal, tokens, serverEndpoint, applicationToken, "en");
    }

    public static RequestSpecification frame(Portal portal, Tokens tokens, String serverEndpoint, String applicationToken,
            String lang) {
        RequestSpecification spec = given()
                .redirects().follow(false)
                .queryParam("DOMAIN", portal.domain)
                .queryParam("PROTOCOL", "1")
                .queryParam("LANG", lang)
                .queryParam("APP_SID", "sid" + System.nanoTime())
                .contentType("application/x-www-form-urlencoded")
                .formParam("AUTH_ID", tokens.accessToken())
                .formParam("AUTH_EXPIRES", "3600")
                .formParam("REFRESH_ID", tokens.refreshToken())
                .formParam("SERVER_ENDPOINT", serverEndpoint)
                .formParam("member_id", portal.memberId)
                .formParam("status", "L")
                .formParam("PLACEMENT", "DEFAULT")
                .formParam("PLACEMENT_OPTIONS", "{\"any\":\"thing\"}");
        if (applicationToken != null) {
            spec.formParam("APPLICATION_TOKEN", applicationToken);
        }
        return spec;
    }

    public static Response frameInstall(Portal portal, Tokens tokens, String applicationToken) {
        return frame(portal, tokens, TestEnvironment.emulator().oauthUrl() + "/rest/", applicationToken)
                .post("/b24/install");
    }

    public static RequestSpecification appInstallEvent(Portal portal, Tokens tokens, String applicationToken) {
        return given()
                .contentType("application/x-www-form-urlencoded")
                .formParam("event", "ONAPPINSTALL")
                .formParam("event_handler_id", "7")
                .formParam("data[VERSION]", "1")
                .formParam("data[ACTIVE]", "Y")
                .formParam("data[INSTALLED]", "Y")
                .formParam("data[LANGUAGE_ID]", "en")
                .formParam("ts", String.valueOf(System.currentTimeMillis() / 1000))
                .formParam("auth[access_token]", tokens.accessToken())
                .formParam("auth[expires]", String.valueOf(System.currentTimeMillis() / 1000 + 3600))
                .formParam("auth[expires_in]", "3600")
                .formParam("auth[scope]", "imbot,im")
                .formParam("auth[domain]", portal.domain)
                .formParam("auth[server_endpoint]", TestEnvironment.emulator().oauthUrl() + "/rest/")
                .formParam("auth[status]", "L")
                .formParam("auth[client_endpoint]", "https://" + portal.domain + "/rest/")
                .formParam("auth[member_id]", portal.memberId)
                .formParam("auth[user_id]", String.valueOf(tokens.userId()))
                .formParam("auth[refresh_token]", tokens.refreshToken())
                .formParam("auth[application_token]", applicationToken);
    }

    /** {@code ONAPPUPDATE} as Bitrix24 sends it: the application token and a fresh admin's tokens in {@code auth}. */
    public static RequestSpecification appUpdateEvent(Portal portal, String applicationToken) {
        return appUpdateEvent(portal, applicationToken, 1);
    }

    /** {@code ONAPPUPDATE} carrying the tokens of {@code userId}. */
    public static RequestSpecification appUpdateEvent(Portal portal, String applicationToken, long userId) {
        Tokens tokens = TestEnvironment.emulator().issueTokens(portal, userId);
        return event("ONAPPUPDATE", portal, applicationToken)
                .formParam("data[VERSION]", "2")
                .formParam("data[PREVIOUS_VERSION]", "1")
                .formParam("data[LANGUAGE_ID]", "en")
                .formParam("auth[access_token]", tokens.accessToken())
                .formParam("auth[refresh_token]", tokens.refreshToken())
                .formParam("auth[expires_in]", "3600")
                .formParam("auth[scope]", "imbot")
                .formParam("auth[status]", "L");
    }

    /** A lifecycle or bot event that carries only the application token in {@code auth}. */
    public static RequestSpecification event(String event, Portal portal, String applicationToken) {
        RequestSpecification spec = given()
                // Bitrix24's forms are UTF-8 (RestAssured would encode them as ISO-8859-1 otherwise).
                .contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .formParam("event", event)
                .formParam("event_handler_id", "8")
                .formParam("ts", String.valueOf(System.currentTimeMillis() / 1000))
                .formParam("auth[domain]", portal.domain)
                .formParam("auth[server_endpoint]", TestEnvironment.emulator().oauthUrl() + "/rest/")
                .formParam("auth[client_endpoint]", "https://" + portal.domain + "/rest/")
                .formParam("auth[member_id]", portal.memberId);
        if (applicationToken != null) {
            spec.formParam("auth[application_token]", applicationToken);
        }
        return spec;
    }

    /**
     * A v1 bot event ({@code ONIMBOT*}) for one bot, as Bitrix24 sends it: the bot's own token inside
     * {@code data[BOT]} (left out when {@code botToken} is null).
     */
    public static RequestSpecification v1BotEvent(String type, Portal portal, String applicationToken, long bot, String botToken) {
        RequestSpecification spec = event(type, portal, applicationToken)
                .formParam("data[BOT][" + bot + "][BOT_ID]", String.valueOf(bot))
                .formParam("data[PARAMS][LANGUAGE]", "en");
        return botToken == null ? spec : spec.formParam("data[BOT][" + bot + "][access_token]", botToken);
    }

    /**
     * The fields of a new v1 message written by {@code author} into {@code dialogId} (a group chat for
     * {@code chat<id>}), with the author's own token in {@code auth} when given.
     */
    public static RequestSpecification v1NewMessage(RequestSpecification event, String dialogId, long messageId, String text,
            long author, String authorToken) {
        if (authorToken != null) {
            event.formParam("auth[access_token]", authorToken);
        }
        return event.formParam("data[PARAMS][DIALOG_ID]", dialogId)
                .formParam("data[PARAMS][MESSAGE]", text)
                .formParam("data[PARAMS][MESSAGE_ID]", String.valueOf(messageId))
                .formParam("data[PARAMS][FROM_USER_ID]", String.valueOf(author))
                .formParam("data[PARAMS][MESSAGE_TYPE]", dialogId.startsWith("chat") ? "C" : "P")
                .formParam("data[USER][ID]", String.valueOf(author));
    }

    /** A v2 webhook event ({@code ONIMBOTV2*}) for one bot: its own token in {@code data[bot][auth]}. */
    public static RequestSpecification v2BotEvent(String type, Portal portal, String applicationToken, long bot, String botToken) {
        return v2BotEvent(type, portal, applicationToken, bot, botToken, "en");
    }

    /** {@link #v2BotEvent} in a portal or user language of {@code language}. */
    public static RequestSpecification v2BotEvent(String type, Portal portal, String applicationToken, long bot, String botToken,
            String language) {
        return event(type, portal, applicationToken)
                .formParam("data[bot][id]", String.valueOf(bot))
                .formParam("data[bot][auth][access_token]", botToken)
                .formParam("data[bot][auth][member_id]", portal.memberId)
                .formParam("data[language]", language);
    }

    /** The fields of a new v2 message written by employee {@code author} into {@code dialogId}. */
    public static RequestSpecification v2NewMessage(RequestSpecification event, String dialogId, long messageId, String text,
            long author) {
        boolean group = dialogId.startsWith("chat");
        return event.formParam("data[message][id]", String.valueOf(messageId))
                .formParam("data[message][authorId]", String.valueOf(author))
                .formParam("data[message][text]", text)
                .formParam("data[message][isSystem]", "0")
                .formParam("data[chat][dialogId]", dialogId)
                .formParam("data[chat][type]", group ? "chat" : "private")
                .formParam("data[user][id]", String.valueOf(author))
                .formParam("data[user][bot]", "0")
                .formParam("data[user][type]", "employee");
    }

    /**
     * The fields of a v2 command ({@code ONIMBOTV2COMMANDADD}) run by employee {@code author} in
     * {@code dialogId}: {@code commandId} is the id the portal gave the command at registration,
     * {@code context} is {@code textarea} when typed and {@code keyboard} when a button sent it.
     */
    public static RequestSpecification v2Command(RequestSpecification event, String dialogId, long messageId, long commandId,
            String command, String params, String context, long author) {
        return event.formParam("data[command][id]", String.valueOf(commandId))
                .formParam("data[command][command]", command)
                .formParam("data[command][params]", params)
                .formParam("data[command][context]", context)
                .formParam("data[message][id]", String.valueOf(messageId))
                .formParam("data[message][authorId]", String.valueOf(author))
                .formParam("data[chat][dialogId]", dialogId)
                .formParam("data[user][id]", String.valueOf(author))
                .formParam("data[user][bot]", "0")
                .formParam("data[user][type]", "employee");
    }
}
