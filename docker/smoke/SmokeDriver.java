import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import io.b24bots.testing.Bitrix24Emulator;
import io.b24bots.testing.Bitrix24Emulator.Portal;
import io.b24bots.testing.ImbotEmulation.SentMessage;
import io.b24bots.testing.PackagedService;

/**
 * The Bitrix24 side of docker/smoke.sh: runs the emulator on the host (127.0.0.1:emulatorPort, where the
 * service container's B24_OAUTH_URL points) and drives the service in its container over real HTTP, with
 * the requests the packaged-jar tests send (PackagedService): health, an iframe install, the echo bot's
 * registration, a v1 message and its reply; then has the script restart both containers and checks that
 * the portal and its bot were kept. Prints each check; exits 1 on the first failure.
 *
 * Usage: SmokeDriver serviceUrl emulatorPort clientId clientSecret restartCommand...
 */
public final class SmokeDriver {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static int checks;

    public static void main(String[] args) throws Exception {
        String service = args[0];
        int emulatorPort = Integer.parseInt(args[1]);
        List<String> restart = List.of(args).subList(4, args.length);
        try (Bitrix24Emulator bitrix = new Bitrix24Emulator(args[2], args[3], emulatorPort)) {
            check("the service is ready (GET /q/health/ready answers 200)", () -> awaitReady(service));

            Portal portal = bitrix.createPortal();
            check("install: the portal's admin opens the app (iframe POST /b24/install) -> 200", () -> status(post(service
                    + PackagedService.installPath(portal), PackagedService.frameBody(bitrix, portal,
                    bitrix.issueTokens(portal, 1)))) == 200);
            check("the echo bot is registered in the emulator (imbot.register, code b24bots_echo)",
                    () -> await(60, () -> bitrix.imbot().liveBots(portal, "b24bots_echo").size() == 1));
            long bot = bitrix.imbot().liveBots(portal, "b24bots_echo").getFirst().id;
            int registrations = bitrix.calls(portal.memberId, "imbot.register").size();

            check("a v1 message to the bot (ONIMBOTMESSAGEADD to /b24/events) -> 200", () -> status(post(service
                    + "/b24/events", PackagedService.messageBody(bitrix, portal, bot, "hello before the restart"))) == 200);
            check("the bot's reply is recorded by the emulator (imbot.message.add)", () -> awaitReply(bitrix, portal, 1));

            System.out.println("-- restarting the containers: " + String.join(" ", restart));
            int restarted = new ProcessBuilder(restart).inheritIO().start().waitFor();
            check("the restart command succeeded", () -> restarted == 0);

            check("the service is ready again after the restart", () -> awaitReady(service));
            check("a new message to the same bot, without a new install -> 200", () -> status(post(service
                    + "/b24/events", PackagedService.messageBody(bitrix, portal, bot, "hello after the restart"))) == 200);
            check("the bot's reply is recorded: the portal, its tokens and its bot survived the restart",
                    () -> awaitReply(bitrix, portal, 2));
            check("no second registration of the bot (imbot.register calls: " + registrations + ")",
                    () -> bitrix.calls(portal.memberId, "imbot.register").size() == registrations
                            && bitrix.imbot().liveBots(portal, "b24bots_echo").size() == 1);
        }
        System.out.println("SMOKE OK: " + checks + " checks passed");
        System.exit(0);
    }

    static void check(String what, Callable<Boolean> test) {
        System.out.print("check: " + what + " ... ");
        System.out.flush();
        boolean passed;
        try {
            passed = test.call();
        } catch (Exception e) {
            System.out.println("FAILED (" + e + ")");
            System.exit(1);
            return;
        }
        if (!passed) {
            System.out.println("FAILED");
            System.exit(1);
        }
        checks++;
        System.out.println("ok");
    }

    static boolean awaitReady(String service) {
        return await(120, () -> {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(service + "/q/health/ready")).timeout(Duration.ofSeconds(5))
                        .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    static boolean awaitReply(Bitrix24Emulator bitrix, Portal portal, int count) {
        if (!await(60, () -> bitrix.imbot().messages(portal).size() >= count)) {
            System.out.print("(messages: " + bitrix.imbot().messages(portal) + ") ");
            return false;
        }
        SentMessage reply = bitrix.imbot().messages(portal).get(count - 1);
        System.out.print("(reply " + count + ": \"" + reply.text() + "\") ");
        return bitrix.imbot().messages(portal).size() == count;
    }

    static boolean await(int seconds, BooleanSupplier condition) {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    static HttpResponse<String> post(String url, String form) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int status(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            System.out.print("(" + response.statusCode() + ": " + response.body().substring(0, Math.min(300,
                    response.body().length())) + ") ");
        }
        return response.statusCode();
    }
}
