package io.b24bots.bot.registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.b24bots.bitrix.BitrixErrorCodes;
import io.b24bots.bitrix.BitrixException;
import io.b24bots.bot.Bot;
import io.b24bots.bot.BotApi;
import io.b24bots.bot.BotRepository;
import io.b24bots.bot.BotStatus;
import io.b24bots.bot.declaration.BotCatalog;
import io.b24bots.bot.declaration.BotDefinition;
import io.b24bots.bot.declaration.BotsConfig;
import io.b24bots.bot.declaration.CommandDefinition;
import io.b24bots.bot.imbot.Imbot;
import io.b24bots.bot.imbot.ImbotApi;
import io.b24bots.bot.imbot.RegisteredBot;
import io.b24bots.jobs.JobFailure;
import io.b24bots.jobs.JobHandler;
import io.b24bots.jobs.QueuedJob;
import io.b24bots.jobs.RetryJobLater;
import io.b24bots.oauth.OAuthUnavailableException;
import io.b24bots.oauth.PortalUnavailableException;
import io.b24bots.portal.Portal;
import io.b24bots.portal.PortalStatus;
import io.b24bots.portal.PortalStore;
import io.b24bots.support.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

/**
 * Brings one portal's bots in step with the declaration: registers what is missing, updates what
 * changed since it was last applied (properties, avatar, colour, event mode and handler URL with
 * {@code imbot.update} / {@code imbot.v2.Bot.update}; commands one by one), and, on a full run,
 * unregisters the bots this app registered that are no longer declared. What was applied is kept
 * per bot as a fingerprint, so a run can stop anywhere and the next one continues, and a run with
 * nothing changed makes no call. Never creates a second bot for a code: v2 registration is
 * idempotent per code, and a v1 bot on record is not registered again (after an unanswered v1 call
 * the portal's bot list is asked first). Transient failures retry the job with back-off; permanent
 * ones are recorded on the bot with the Bitrix24 code.
 */
@ApplicationScoped
public class RegisterBotsJob implements JobHandler {

    public static final String KIND = "register-bots";
    /** The code of a bot whose code another application's bot already has (v2 answers it itself). */
    static final String CODE_TAKEN = "BOT_CODE_ALREADY_TAKEN";

    private static final Logger LOG = Logger.getLogger(RegisterBotsJob.class);

    private final BotCatalog catalog;
    private final BotRepository registry;
    private final Imbot imbot;
    private final PortalStore portals;
    private final BotsConfig config;
    private final MeterRegistry meters;
    private final Fingerprints fingerprints;
    private final ObjectMapper json;
    private final Event<BotRegistered> registeredEvents;

    RegisterBotsJob(BotCatalog catalog, BotRepository registry, Imbot imbot, PortalStore portals, BotsConfig config,
            MeterRegistry meters, Fingerprints fingerprints, ObjectMapper json, Event<BotRegistered> registeredEvents) {
        this.catalog = catalog;
        this.registry = registry;
        this.imbot = imbot;
        this.portals = portals;
        this.config = config;
        this.meters = meters;
        this.fingerprints = fingerprints;
        this.json = json;
        this.registeredEvents = registeredEvents;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void run(QueuedJob job) {
        converge(job, codes(job.payload()));
    }

    /**
     * One run for a portal; {@code only} limits it to some codes (an admin's retry of one bot), and
     * only a run for every code retires undeclared bots.
     */
    void converge(QueuedJob job, Set<String> only) {
        Optional<Portal> portal = portals.find(job.memberId());
        if (portal.isEmpty() || portal.get().status != PortalStatus.ACTIVE) {
            LOG.infof("Skipped the bots of portal %s: not active", job.memberId());
            return;
        }
        boolean lastAttempt = job.attempt() >= config.registration().maxAttempts();
        // An older replica of a rolling deployment registers what is missing, and changes nothing else.
        // A dry-run replica is as careful: its workers may take jobs the others queued.
        boolean current = !config.rollout().dryRun() && fingerprints.isCurrent();
        boolean retry = false;
        BitrixException permanentUpdateFailure = null;
        for (BotDefinition definition : catalog.all()) {
            if (only != null && !only.contains(definition.code())) {
                continue;
            }
            Optional<Bot> found = registry.rowFor(job.memberId(), definition);
            if (found.isEmpty()) {
                LOG.infof("Stopped bringing the bots of portal %s in step: it is no longer active", job.memberId());
                return;
            }
            Bot row = found.get();
            if (row.turnedOffAt != null) {
                // Its portal's administrator turned it off: only they turn it on again (which clears this).
                continue;
            }
            boolean registered = row.status == BotStatus.REGISTERED && row.botId != null;
            if (registered && (fingerprints.of(definition).equals(row.appliedFingerprint) || !current)) {
                continue;
            }
            try {
                if (registered) {
                    update(job, definition, row);
                } else {
                    // imbot.register is not idempotent: a worker that lost its lease leaves it to the new owner.
                    job.confirmLease();
                    register(job, definition, row);
                }
            } catch (PortalUnavailableException e) {
                registry.attemptFailed(row.id, e.jobFailureCode(), e.getMessage(), false);
                LOG.infof("Stopped bringing the bots of portal %s in step: %s", job.memberId(), e.getMessage());
                return;
            } catch (BitrixException | OAuthUnavailableException e) {
                JobFailure failure = (JobFailure) e;
                String text = e instanceof BitrixException b ? b.description() : "The Bitrix24 OAuth server could not be reached";
                boolean finalFailure = failure.jobFailureKind() != JobFailure.Kind.TRANSIENT || lastAttempt;
                // Registered by now (its commands failed): the bot works and stays registered.
                registered |= registry.byCode(job.memberId(), definition.code())
                        .map(r -> r.status == BotStatus.REGISTERED && r.botId != null).orElse(false);
                if (registered) {
                    registry.updateFailed(row.id, failure.jobFailureCode(), text);
                    if (finalFailure && e instanceof BitrixException b) {
                        permanentUpdateFailure = b;
                    }
                } else {
                    registry.attemptFailed(row.id, failure.jobFailureCode(), text, finalFailure);
                }
                count(definition, (registered ? "update_" : "") + (finalFailure ? "failed" : "retry"), failure.jobFailureCode());
                LOG.infof("%s bot %s in portal %s failed: %s (%s)", registered ? "Updating" : "Registering", definition.code(),
                        job.memberId(), failure.jobFailureCode(), finalFailure ? "final" : "will retry");
                retry |= !finalFailure;
            }
        }
        if (only == null && current) {
            retry |= retireUndeclared(job);
        }
        if (retry) {
            throw new RetryJobLater(backoff(job.attempt()), "some bots failed transiently");
        }
        if (permanentUpdateFailure != null) {
            // The job fails, so the portal is left alone for a while instead of being updated in a loop.
            throw new BotsNotInStep(permanentUpdateFailure.code(), "a bot could not be updated: " + permanentUpdateFailure.code());
        }
    }

    /** The codes a job is limited to (an admin's retry of one bot); null for every declared bot. */
    static Set<String> codes(String payload) {
        if (payload == null || payload.isBlank()) {
            return null;
        }
        return Set.of(payload.split(","));
    }

    private void register(QueuedJob job, BotDefinition definition, Bot row) {
        String memberId = job.memberId();
        ImbotApi api = imbot.of(definition.api());
        if (definition.api() == BotApi.V1 && BitrixException.TIMEOUT.equals(row.lastErrorCode)) {
            // The unanswered call may have created the bot; imbot.register must not make a second one.
            // A v1 CODE is unique in the whole portal and imbot.bot.list lists other apps' bots too:
            // only imbot.update, which Bitrix24 allows the owning app alone, proves the bot is ours.
            Long existing = api.list(memberId).get(definition.code());
            if (existing != null) {
                proveOwnership(job, definition, existing);
                registry.registered(row.id, existing, null);
                applyCommands(job, definition, existing, new LinkedHashMap<>());
                return;
            }
        }
        RegisteredBot registered = api.register(memberId, definition);
        if (definition.api() == BotApi.V1) {
            // imbot.register answers the id of any bot with this CODE, another app's too (a v1 CODE is
            // unique in the whole portal): the id is stored, and acted as, only once it is proven ours.
            // The proof is an imbot.update with every EVENT_* URL, which also subscribes the message update
            // and delete events that imbot.register ignores for B and H bots without open lines (its page).
            proveOwnership(job, definition, registered.botId());
        }
        registry.registered(row.id, registered.botId(), registered.botObject());
        count(definition, "registered", "none");
        LOG.infof("Bot %s registered in portal %s as %d", definition.code(), memberId, registered.botId());
        // Once per registration: a run that fails on the commands goes on with them as an update.
        registeredEvents.fire(new BotRegistered(job, definition, registered.botId()));
        applyCommands(job, definition, registered.botId(), new LinkedHashMap<>());
    }

    /**
     * Proves a v1 bot is this app's: Bitrix24 lets only the owning app update a bot, and answers any
     * other {@code APP_ID_ERROR}, which becomes {@value #CODE_TAKEN} (permanent) with what to do about it.
     * The update sends the declared fields, so an own bot found this way is also brought up to date.
     */
    private void proveOwnership(QueuedJob job, BotDefinition definition, long botId) {
        job.confirmLease();
        try {
            imbot.of(definition.api()).updateBot(job.memberId(), botId, definition);
        } catch (BitrixException e) {
            if (!"APP_ID_ERROR".equals(e.code())) {
                throw e;
            }
            LOG.warnf("Bot code %s is taken in portal %s by bot %d of another application; not registered", definition.code(),
                    job.memberId(), botId);
            throw BitrixException.permanent(CODE_TAKEN, "the code " + definition.code() + " belongs to bot " + botId
                    + " of another application in this portal (a v1 CODE is unique in the whole portal): declare this bot "
                    + "with another code (b24.bots." + definition.configId() + ".code)");
        }
    }

    /** A registered bot whose declaration changed: only the parts that changed are sent. */
    private void update(QueuedJob job, BotDefinition definition, Bot row) {
        JsonNode state = state(row.appliedState);
        if (!fingerprints.properties(definition).equals(state.path("properties").asText(null))) {
            job.confirmLease();
            imbot.of(definition.api()).updateBot(job.memberId(), row.botId, definition);
            count(definition, "updated", "none");
            LOG.infof("Bot %s updated in portal %s", definition.code(), job.memberId());
        }
        Map<String, JsonNode> commands = new LinkedHashMap<>();
        state.path("commands").fields().forEachRemaining(e -> commands.put(e.getKey(), e.getValue()));
        applyCommands(job, definition, row.botId, commands);
    }

    /**
     * Registers, updates and unregisters the bot's commands so the portal holds the declared ones;
     * each step is recorded as soon as it is done, so a failure part-way loses nothing.
     */
    private void applyCommands(QueuedJob job, BotDefinition definition, long botId, Map<String, JsonNode> applied) {
        ImbotApi api = imbot.of(definition.api());
        String memberId = job.memberId();
        Optional<Bot> row = registry.byCode(memberId, definition.code());
        if (row.isEmpty()) {
            return;
        }
        long rowId = row.get().id;
        Map<String, Object> done = new LinkedHashMap<>();
        applied.forEach((name, node) -> done.put(name, appliedState(node)));
        Set<String> declared = new HashSet<>();
        try {
            for (CommandDefinition command : definition.commands()) {
                declared.add(command.command());
                String fp = fingerprints.command(command);
                JsonNode before = applied.get(command.command());
                if (before != null && fp.equals(before.path("fp").asText())) {
                    continue;
                }
                job.confirmLease();
                long id = before != null ? api.updateCommand(memberId, botId, applied(before), command)
                        : api.registerCommand(memberId, botId, command);
                done.put(command.command(), commandState(id, fp, command));
            }
            for (String name : applied.keySet()) {
                if (!declared.contains(name)) {
                    job.confirmLease();
                    api.unregisterCommand(memberId, botId, applied.get(name).path("id").asLong());
                    done.remove(name);
                }
            }
        } finally {
            boolean complete = done.keySet().equals(declared) && definition.commands().stream()
                    .allMatch(c -> fingerprints.command(c).equals(((Map<?, ?>) done.get(c.command())).get("fp")));
            // An incomplete state keeps the old fingerprint, so the next run finishes the job.
            String fingerprint = complete ? fingerprints.of(definition) : null;
            registry.applied(rowId, definition, fingerprint, stateJson(fingerprints.properties(definition), done));
        }
    }

    /**
     * What is recorded of an applied command: its id and fingerprint, and what an update must know of
     * what the portal holds (v1: whether it is common; v2: the languages its titles are in).
     */
    private static Map<String, Object> commandState(long id, String fp, CommandDefinition command) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("id", id);
        state.put("fp", fp);
        state.put("common", command.common());
        state.put("langs", List.copyOf(new TreeSet<>(command.title().keySet())));
        return state;
    }

    /** A recorded command's state as it was read, for the next record. */
    private static Map<String, Object> appliedState(JsonNode node) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("id", node.path("id").asLong());
        state.put("fp", node.path("fp").asText(""));
        if (node.has("common")) {
            state.put("common", node.path("common").asBoolean());
        }
        List<String> langs = new ArrayList<String>();
        node.path("langs").forEach(l -> langs.add(l.asText()));
        state.put("langs", langs);
        return state;
    }

    private static ImbotApi.AppliedCommand applied(JsonNode node) {
        Set<String> langs = new LinkedHashSet<>();
        node.path("langs").forEach(l -> langs.add(l.asText()));
        return new ImbotApi.AppliedCommand(node.path("id").asLong(), node.has("common") ? node.path("common").asBoolean() : null,
                langs);
    }

    /** Retires bots this app registered that are no longer declared; true when one failed transiently. */
    private boolean retireUndeclared(QueuedJob job) {
        boolean retry = false;
        for (Bot row : registry.forPortal(job.memberId())) {
            if (catalog.byCode(row.code).isPresent()) {
                continue;
            }
            try {
                if (row.status == BotStatus.REGISTERED && row.botId != null) {
                    job.confirmLease();
                    imbot.of(row.api).unregister(job.memberId(), row.botId);
                    meters.counter("b24.bot.registrations", "api", row.api.value(), "outcome", "unregistered", "error", "none")
                            .increment();
                    LOG.infof("Bot %s unregistered from portal %s: no longer declared", row.code, job.memberId());
                }
                registry.retired(row.id);
            } catch (BitrixException e) {
                registry.updateFailed(row.id, e.code(), e.description());
                LOG.infof("Unregistering bot %s from portal %s failed: %s", row.code, job.memberId(), e.code());
                retry |= e.isTransient();
            }
        }
        return retry;
    }

    /** Logs what a run would change in the portal, without a call or a change. */
    void dryRun(String memberId) {
        for (BotDefinition definition : catalog.all()) {
            dryRun(memberId, definition);
        }
        for (Bot row : registry.forPortal(memberId)) {
            if (catalog.byCode(row.code).isEmpty() && row.status == BotStatus.REGISTERED) {
                LOG.infof("Dry run: bot %s would be unregistered from portal %s (no longer declared)", row.code, memberId);
            }
        }
    }

    private void dryRun(String memberId, BotDefinition definition) {
        Optional<Bot> row = registry.byCode(memberId, definition.code());
        if (row.isPresent() && row.get().turnedOffAt != null) {
            return;
        }
        if (row.isEmpty() || row.get().status != BotStatus.REGISTERED) {
            LOG.infof("Dry run: bot %s would be registered in portal %s", definition.code(), memberId);
        } else if (!fingerprints.of(definition).equals(row.get().appliedFingerprint)) {
            boolean properties = !fingerprints.properties(definition).equals(state(row.get().appliedState).path("properties").asText(null));
            LOG.infof("Dry run: bot %s would be updated in portal %s (%s)", definition.code(), memberId,
                    properties ? "properties and commands" : "commands");
        }
    }

    private JsonNode state(String text) {
        if (text == null || text.isBlank()) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(text);
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }

    private String stateJson(String properties, Map<String, Object> commands) {
        ObjectNode node = json.createObjectNode();
        node.put("properties", properties);
        node.set("commands", json.valueToTree(commands));
        return node.toString();
    }

    private void count(BotDefinition definition, String outcome, String error) {
        meters.counter("b24.bot.registrations", "api", definition.api().value(), "outcome", outcome, "error", BitrixErrorCodes.tag(error)).increment();
    }

    private Duration backoff(int attempt) {
        return Backoff.delay(attempt, config.registration().backoff(), config.registration().maxBackoff());
    }
}
