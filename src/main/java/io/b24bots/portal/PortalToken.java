package io.b24bots.portal;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A portal's OAuth pair, both tokens sealed by {@link TokenCipher}. */
@Entity
@Table(name = "portal_token")
public class PortalToken extends PanacheEntityBase {

    @Id
    @Column(name = "member_id")
    public String memberId;

    @Column(name = "access_token")
    public byte[] accessToken;

    @Column(name = "refresh_token")
    public byte[] refreshToken;

    @Column(name = "key_id")
    public String keyId;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "user_id")
    public Long userId;

    /** Number of times the pair was replaced; lets tests and operators see rotation. */
    public long version;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /**
     * The refresh holding the lease and until when (database clock). Written only by
     * {@link PortalStore}'s lease statements, never by an entity flush, so a row loaded before a
     * lease was taken cannot overwrite it.
     */
    @Column(name = "refresh_owner", insertable = false, updatable = false)
    public String refreshOwner;

    @Column(name = "refresh_until", insertable = false, updatable = false)
    public Instant refreshUntil;

    /** A grant may have spent the stored refresh token (see V12); written by {@link PortalStore}'s statements only. */
    @Column(name = "refresh_in_doubt", insertable = false, updatable = false)
    public boolean refreshInDoubt;
}
