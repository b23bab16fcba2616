package io.b24bots.bot;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A declared bot in one portal: its Bitrix24 id once registered, and how registration went. */
@Entity
@Table(name = "bot")
public class Bot extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "member_id")
    public String memberId;

    @Column(name = "config_id")
    public String configId;

    public String code;

    public BotApi api;

    public String type;

    @Column(name = "event_mode")
    /** v2 only; null for v1 bots. */
    public EventMode eventMode;

    /** The bot's id in the portal; null until registered. */
    @Column(name = "bot_id")
    public Long botId;

    public BotStatus status;

    @Column(name = "last_error_code")
    public String lastErrorCode;

    @Column(name = "last_error_text")
    public String lastErrorText;

    public int attempts;

    /** The v2 {@code bot} object as imbot.v2.Bot.register returned it (JSON). */
    @Column(name = "bot_object")
    public String botObject;

    /** v2 fetch mode: the {@code nextOffset} to pass to imbot.v2.Event.get. */
    @Column(name = "fetch_offset")
    public Long fetchOffset;

    @Column(name = "next_poll_at")
    public Instant nextPollAt;

    @Column(name = "poll_owner")
    public String pollOwner;

    @Column(name = "poll_lease_until")
    public Instant pollLeaseUntil;

    /** Fingerprint of the declaration last applied to this bot in its portal (fields and commands). */
    @Column(name = "applied_fingerprint")
    public String appliedFingerprint;

    /** What the fingerprint was made of, JSON {@code {"properties": fp, "commands": {"help": {"id": 42, "fp": fp}}}}. */
    @Column(name = "applied_state")
    public String appliedState;

    @Column(name = "registered_at")
    public Instant registeredAt;

    /** When a portal administrator turned the bot off; while set, nothing registers it in the portal. */
    @Column(name = "turned_off_at")
    public Instant turnedOffAt;

    /** The Bitrix24 user id of that administrator. */
    @Column(name = "turned_off_by")
    public Long turnedOffBy;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /** Whether the bot can speak in its portal: registered there and not turned off by its administrator. */
    public boolean speaks() {
        return status == BotStatus.REGISTERED && turnedOffAt == null;
    }
}
