package io.b24bots.bot.sending;

import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.bitrix.BitrixClient;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bitrix.RestCall;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.imbot.ImbotApi;
import io.b24bots.bot.imbot.MessageForm;
import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.JobsConfig;
import io.b24bots.jobs.LeaseLostException;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.oauth.PortalUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Sends one message a bot writes on its own (payload: its receipt's id), in the portal's queue
 * order and under its rate limit, and records the outcome on the receipt. A failure that may pass is
 * retried with the queue's back-off, {@code b24.jobs.max-attempts} runs in all; a timed-out call is
 * not repeated, since Bitrix24 may have taken it.
 */
@ApplicationScoped
public class SendMessageJob implements JobHandler {

    public static final String KIND = "send-message";
    private static final Logger LOG = Logger.getLogger(SendMessageJob.class);

    private final Receipts receipts;
    private final BotRepository bots;
    private final Imbot imbot;
    private final BitrixClient bitrix;
    private final ObjectMapper json;
    private final JobsConfig config;
    private final MeterRegistry meters;

    SendMessageJob(Receipts receipts, BotRepository bots, Imbot imbot, BitrixClient bitrix, ObjectMapper json, JobsConfig config,
            MeterRegistry meters) {
        this.receipts = receipts;
        this.bots = bots;
        this.imbot = imbot;
        this.bitrix = bitrix;
        this.json = json;
        this.config = config;
        this.meters = meters;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        UUID id = UUID.fromString(job.payload());
        Optional<Object[]> pending = receipts.pending(id);
        if (pending.isEmpty()) {
            return;
        }
        String botCode = (String) pending.get()[0];
        String dialogId = (String) pending.get()[1];
        Optional<Bot> bot = bots.byCode(job.memberId(), botCode).filter(Bot::speaks);
        if (bot.isEmpty()) {
            give(id, "BOT_NOT_REGISTERED", "bot " + botCode + " is not registered in this portal any more, or was turned off");
            return;
        }
        OutgoingMessage message;
        try {
            message = MessageForm.read(json.readTree((String) pending.get()[2]), json);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            give(id, "MALFORMED_MESSAGE", e.getMessage());
            return;
        }
        ImbotApi api = imbot.of(bot.get().api);
        try {
            RestCall call = api.sendCall(bot.get().botId, dialogId, message);
            job.confirmLease();
            long messageId = api.messageId(bitrix.call(job.memberId(), call.method(), call.params()).result());
            receipts.sent(id, messageId);
            meters.counter("b24.messages.sent", "outcome", "sent").increment();
        } catch (LeaseLostException e) {
            throw e;
        } catch (PortalUnavailableException e) {
            give(id, "PORTAL_NOT_ACTIVE", "the portal is not active (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            give(id, "MALFORMED_MESSAGE", e.getMessage());
        } catch (BitrixException e) {
            if (BitrixException.TIMEOUT.equals(e.code())) {
                give(id, e.code(), "no answer from the portal; the message may have been delivered, so it is not sent again");
            } else if (!e.isTransient() || job.attempt() >= config.maxAttempts()) {
                give(id, e.code(), e.description());
            } else {
                receipts.failed(id, e.code(), e.description(), false);
                throw e;
            }
        }
    }

    private void give(UUID id, String code, String text) {
        receipts.failed(id, code, text, true);
        meters.counter("b24.messages.sent", "outcome", "failed").increment();
        LOG.infof("Message %s not sent: %s", id, code);
    }
}
