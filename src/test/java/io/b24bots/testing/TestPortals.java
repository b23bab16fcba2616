package io.b24bots.testing;

import static io.b24bots.testing.BitrixRequests.frameInstall;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.b24bots.testing.Bitrix24Emulator.Portal;

/** Portals installed the way Bitrix24 does it, for tests that need one ready to use. */
public final class TestPortals {

    private TestPortals() {
    }

    /** A new portal installed through the iframe by its admin, with its bot registration finished. */
    public static Portal installed(Bitrix24Emulator bitrix) {
        Portal portal = bitrix.createPortal();
        frameInstall(portal, bitrix.issueTokens(portal, 1), applicationToken(portal)).then().statusCode(200);
        awaitJobsSettled(portal);
        return portal;
    }

    /** The Bitrix24 id of the portal's live bot with this code (the test declaration's, e.g. {@code b24bots_echo}). */
    public static long botId(Bitrix24Emulator bitrix, Portal portal, String code) {
        return bitrix.imbot().liveBots(portal, code).getFirst().id;
    }

    public static String applicationToken(Portal portal) {
        return "app-" + portal.memberId;
    }

    /** The app is removed in Bitrix24 (tokens revoked, bots deleted), then its ONAPPUNINSTALL arrives and is confirmed. */
    public static void uninstall(Bitrix24Emulator bitrix, Portal portal, boolean clean) {
        bitrix.uninstallApp(portal);
        BitrixRequests.event("ONAPPUNINSTALL", portal, applicationToken(portal)).formParam("data[CLEAN]", clean ? "1" : "0")
                .post("/b24/events").then().statusCode(200);
        awaitJobsSettled(portal);
    }

    /** A token Bitrix24 would put in an event for {@code userId} (a bot's own, or the author's). */
    public static String userToken(Bitrix24Emulator bitrix, Portal portal, long userId) {
        return bitrix.issueTokens(portal, userId).accessToken();
    }

    /** Waits until the portal has no job waiting or running. */
    public static void awaitJobsSettled(Portal portal) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> Database.count(
                "select count(*) from job where member_id = ? and status in ('queued', 'running')", portal.memberId) == 0);
    }
}
