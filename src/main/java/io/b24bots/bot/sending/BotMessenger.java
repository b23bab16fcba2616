package io.b24bots.bot.sending;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.b24bots.bot.Bot;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.imbot.MessageForm;
import io.b24bots.bot.imbot.OutgoingMessage;
import io.b24bots.jobs.JobQueue;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.portal.PortalStore.PortalSummary;
import io.b24bots.support.MemberIds;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Lets a bot write first, from anywhere in the application (a scheduled job, a REST resource, a
 * message consumer): {@code messenger.portal(memberId).bot("orders").sendTo(dialogId, message)}.
 * The message goes through the durable queue, so it keeps its place among the portal's work, its
 * rate limit and retries, and survives a restart; the {@link Receipt} says what became of it.
 */
@ApplicationScoped
public class BotMessenger {

    /** Who asked, when it is the application itself rather than a key of the vendor API. */
    public static final String APPLICATION = "application";

    private final PortalStore portals;
    private final BotCatalog catalog;
    private final BotRepository bots;
    private final JobQueue jobs;
    private final Receipts receipts;
    private final ObjectMapper json;

    BotMessenger(PortalStore portals, BotCatalog catalog, BotRepository bots, JobQueue jobs, Receipts receipts, ObjectMapper json) {
        this.portals = portals;
        this.catalog = catalog;
        this.bots = bots;
        this.jobs = jobs;
        this.receipts = receipts;
        this.json = json;
    }

    /** The portal whose chats the bot writes to. */
    public PortalMessages portal(String memberId) {
        return new PortalMessages(memberId);
    }

    /** One page of the portals a bot can write to, and where the next page starts (null: the last). */
    public record PortalPage(List<PortalSummary> portals, String next) {
    }

    /**
     * The active portals where the declared bot is registered, ordered by member_id, {@code limit} at a
     * time from after {@code after} (null: the first page): the audience of a broadcast.
     *
     * @throws MessengerException UNKNOWN_BOT for a code no bot is declared with
     */
    public PortalPage portalsOf(String code, String after, int limit) {
        if (catalog.byCode(code).isEmpty()) {
            throw new MessengerException(MessengerException.Reason.UNKNOWN_BOT, "No bot with this code is declared");
        }
        List<String> page = bots.registeredIn(code, after, limit);
        List<PortalSummary> active = portals.summaries(page).stream().filter(p -> p.status() == PortalStatus.ACTIVE).toList();
        return new PortalPage(active, page.size() < limit ? null : page.getLast());
    }

    /** What became of a message queued earlier; empty once it is older than {@code b24.jobs.retention}. */
    public Optional<Receipt> receipt(UUID id) {
        return receipts.find(id);
    }

    /** A receipt, to the caller that queued the message only (an API key sees its own messages). */
    public Optional<Receipt> receipt(UUID id, String requestedBy) {
        return receipts.requestedBy(id).filter(requestedBy::equals).flatMap(by -> receipts.find(id));
    }

    /** One portal's side of the messenger. */
    public final class PortalMessages {
        private final String memberId;

        private PortalMessages(String memberId) {
            this.memberId = memberId;
        }

        /** The declared bot with this code, as the portal knows it. */
        public BotMessages bot(String code) {
            return new BotMessages(memberId, code);
        }
    }

    /** One bot in one portal: what it writes, and to whom. */
    public final class BotMessages {
        private final String memberId;
        private final String code;

        private BotMessages(String memberId, String code) {
            this.memberId = memberId;
            this.code = code;
        }

        /**
         * Queues the message for {@code dialogId} ({@code "<userId>"} or {@code "chat<id>"}) and returns
         * at once; {@link #sendAndWait} waits for Bitrix24's answer.
         *
         * @throws MessengerException when the portal or bot is unknown or not active, or the portal is busy
         */
        public Receipt sendTo(String dialogId, OutgoingMessage message) {
            return queue(dialogId, message, APPLICATION, null);
        }

        /** {@link #sendTo}, then waits up to {@code timeout} for it to be sent or given up. */
        public Receipt sendAndWait(String dialogId, OutgoingMessage message, Duration timeout) {
            return await(sendTo(dialogId, message).id(), timeout);
        }

        /**
         * Queues on behalf of {@code requestedBy} (an API key's name); a repeated {@code idempotencyKey}
         * of the same caller for the portal returns the first message's receipt instead of a second message.
         */
        public Receipt queue(String dialogId, OutgoingMessage message, String requestedBy, String idempotencyKey) {
            if (!MemberIds.valid(memberId)) {
                throw new MessengerException(MessengerException.Reason.UNKNOWN_PORTAL, "No portal has this member_id");
            }
            if (dialogId == null || !dialogId.matches("(chat)?[1-9][0-9]{0,18}")) {
                throw new IllegalArgumentException("dialogId must be a user id or chat<id>");
            }
            if (message == null || message.isEmpty()) {
                throw new IllegalArgumentException("the message has no text and no attachment");
            }
            Portal portal = portals.find(memberId)
                    .orElseThrow(() -> new MessengerException(MessengerException.Reason.UNKNOWN_PORTAL, "No portal has this member_id"));
            if (portal.status != PortalStatus.ACTIVE) {
                throw new MessengerException(MessengerException.Reason.PORTAL_NOT_ACTIVE,
                        "The portal is " + portal.status.dbValue() + ": nothing can be sent to it");
            }
            if (catalog.byCode(code).isEmpty()) {
                throw new MessengerException(MessengerException.Reason.UNKNOWN_BOT, "No bot with this code is declared");
            }
            if (bots.byCode(memberId, code).filter(Bot::speaks).isEmpty()) {
                throw new MessengerException(MessengerException.Reason.BOT_NOT_REGISTERED,
                        "The bot is not registered in this portal, or its administrator turned it off");
            }
            String form = write(message);
            return QuarkusTransaction.requiringNew().call(() -> {
                Optional<UUID> created = receipts.create(memberId, code, dialogId, form, requestedBy, idempotencyKey);
                if (created.isEmpty()) {
                    return receipts.byIdempotencyKey(requestedBy, memberId, idempotencyKey).orElseThrow();
                }
                if (jobs.offer(SendMessageJob.KIND, memberId, created.get().toString(), created.get().toString())
                        == JobQueue.Enqueued.PORTAL_FULL) {
                    throw new MessengerException(MessengerException.Reason.PORTAL_BUSY,
                            "The portal has too much work waiting; try again later");
                }
                return receipts.find(created.get()).orElseThrow();
            });
        }
    }

    private Receipt await(UUID id, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        Receipt receipt = receipts.find(id).orElseThrow();
        while (receipt.state() == MessageState.QUEUED && System.nanoTime() - until < 0) {
            try {
                Thread.sleep(Duration.ofMillis(50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return receipt;
            }
            receipt = receipts.find(id).orElseThrow();
        }
        return receipt;
    }

    private String write(OutgoingMessage message) {
        try {
            return json.writeValueAsString(MessageForm.write(message));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the message cannot be written as JSON", e);
        }
    }
}
