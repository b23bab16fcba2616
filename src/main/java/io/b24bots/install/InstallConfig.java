package io.b24bots.install;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Guards of the unauthenticated install paths ({@code b24.install.*}). */
@ConfigMapping(prefix = "b24.install")
public interface InstallConfig {

    /**
     * Domain suffixes of Bitrix24 cloud portals that {@code /b24/oauth/start} may send a browser to;
     * a portal already installed here is allowed whatever its domain (on-premise installations).
     * Set empty, only installed portals are allowed.
     */
    @WithDefault("bitrix24.com,bitrix24.ru,bitrix24.de,bitrix24.eu,bitrix24.es,bitrix24.fr,bitrix24.it,bitrix24.pl,"
            + "bitrix24.uk,bitrix24.com.br,bitrix24.com.tr,bitrix24.in,bitrix24.id,bitrix24.vn,bitrix24.jp,bitrix24.cn,"
            + "bitrix24.kz,bitrix24.by,bitrix24.ua,bitrix24.site,bitrix24.shop")
    Optional<List<String>> portalDomains();

    /**
     * Failed token proofs (install, app opening, lifecycle events) one client address may cause per
     * minute. Past it the address is not shut out, but slowed down: its proofs run one at a time, and
     * each that fails holds its line for a minute divided by this number (docs/SECURITY.md).
     */
    @WithDefault("30")
    int failedProofsPerMinute();

    /** Longest a proof waits in its address's line before it gets 429. */
    @WithDefault("PT15S")
    Duration proofWait();

    /** How often the app's marketplace status ({@code app.info}) is read again from each active portal. */
    @WithDefault("P1D")
    Duration appInfoMaxAge();

    /** How often one replica looks for portals whose marketplace status is due (never read, or older than the max age). */
    @WithDefault("PT1M")
    Duration appInfoTick();

    /** Most portals queued for a marketplace status read per tick: 100,000 portals a day need about 70 a minute. */
    @WithDefault("500")
    int appInfoPerTick();
}
