package io.b24bots.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;

import io.b24bots.outbound.OutboundAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses a portal or OAuth endpoint may resolve to in production (no Quarkus boot). */
class OutboundAddressesTest {

    @ParameterizedTest
    @ValueSource(strings = { "127.0.0.1", "127.1.2.3", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.1",
            "100.64.0.1", "100.127.255.254", "169.254.169.254", "fe80::1", "fd00::1", "fc00::1", "0.0.0.0", "::",
            "224.0.0.1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::10.0.0.1", "0.1.2.3",
            "255.255.255.255" })
    void internalAddressesAreRefused(String literal) throws UnknownHostException {
        assertThat(OutboundAddresses.isPublic(InetAddress.getByName(literal))).as(literal).isFalse();
        assertThat(OutboundAddresses.acceptable("https://" + bracketed(literal) + "/rest/", false)).as(literal).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2a00:1450:4001:80b::200e" })
    void publicAddressesAreAllowed(String literal) throws UnknownHostException {
        assertThat(OutboundAddresses.isPublic(InetAddress.getByName(literal))).as(literal).isTrue();
        assertThat(OutboundAddresses.acceptable("https://" + bracketed(literal) + "/rest/", false)).as(literal).isTrue();
    }

    @Test
    void aHostNameIsJudgedByWhatItResolvesTo() {
        assertThat(OutboundAddresses.reach("localhost")).isEqualTo(OutboundAddresses.Reach.INTERNAL);
        assertThat(OutboundAddresses.acceptable("https://localhost/rest/", false)).isFalse();
        assertThat(OutboundAddresses.acceptable("https://localhost:8443/rest/", false)).isFalse();
    }

    @Test
    void localRunsAndTestsMayCallAnything() {
        assertThat(OutboundAddresses.acceptable("http://127.0.0.1:8080/rest/", true)).isTrue();
        assertThat(OutboundAddresses.acceptable("https://localhost/rest/", true)).isTrue();
    }

    @Test
    void theSchemeRuleStillApplies() {
        assertThat(OutboundAddresses.acceptable("http://8.8.8.8/rest/", false)).isFalse();
        assertThat(OutboundAddresses.acceptable("ftp://8.8.8.8/rest/", true)).isFalse();
        assertThat(OutboundAddresses.acceptable("https:///rest/", false)).isFalse();
        assertThat(OutboundAddresses.acceptable(null, true)).isFalse();
        assertThat(OutboundAddresses.acceptable("not a url", true)).isFalse();
        assertThat(OutboundAddresses.secureScheme("HTTPS://8.8.8.8/", false)).isTrue();
    }

    private static String bracketed(String literal) {
        return literal.contains(":") ? "[" + literal + "]" : literal;
    }
}
