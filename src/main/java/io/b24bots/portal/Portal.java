package io.b24bots.portal;

import java.time.Instant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A Bitrix24 portal that installed the app (a tenant). */
@Entity
@Table(name = "portal")
public class Portal extends PanacheEntityBase {

    @Id
    @Column(name = "member_id")
    public String memberId;

    public String domain;

    /** REST endpoint as the OAuth server reported it; the only place REST calls go. */
    @Column(name = "client_endpoint")
    public String clientEndpoint;


    /** Base URL of the trusted OAuth server that proved this portal; refreshes go there. */
    @Column(name = "oauth_server")
    public String oauthServer;

    /** SHA-256 of the application token that events must carry; null until one is proven. */
    @Column(name = "application_token_hash")
    public byte[] applicationTokenHash;

    public PortalStatus status;

    public String scope;

    @Column(name = "app_version")
    public Integer appVersion;

    public String language;

    @Column(name = "license_status")
    public String licenseStatus;

    @Column(name = "installed_by")
    public Long installedBy;

    @Column(name = "installed_at")
    public Instant installedAt;

    @Column(name = "uninstalled_at")
    public Instant uninstalledAt;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public boolean hasApplicationToken() {
        return applicationTokenHash != null;
    }
}
