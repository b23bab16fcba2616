package io.b24bots.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Which address a request counts as coming from, behind proxies that may or may not be trusted. */
class TrustedProxiesTest {

    final TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.5", "fd00::/8"));

    @Test
    void withoutATrustedPeerTheHeaderIsIgnored() {
        assertThat(proxies.client("203.0.113.9", List.of("1.2.3.4"))).isEqualTo("203.0.113.9");
        assertThat(TrustedProxies.none().client("10.0.0.1", List.of("1.2.3.4"))).isEqualTo("10.0.0.1");
    }

    @Test
    void theRightmostHopNoTrustedProxyVouchesForIsTheClient() {
        // nginx's $proxy_add_x_forwarded_for appends the address it saw to what the client sent.
        assertThat(proxies.client("10.1.2.3", List.of("6.6.6.6, 203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(proxies.client("10.1.2.3", List.of("6.6.6.6", "203.0.113.9, 192.168.1.5"))).isEqualTo("203.0.113.9");
        assertThat(proxies.client("10.1.2.3", List.of("203.0.113.9:4711"))).isEqualTo("203.0.113.9");
        assertThat(proxies.client("fd00::1", List.of("[2001:db8::7]:443"))).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void aTrustedPeerWithoutAHeaderIsTheClientAndAMalformedHopEndsTheWalk() {
        assertThat(proxies.client("10.1.2.3", List.of())).isEqualTo("10.1.2.3");
        assertThat(proxies.client("10.1.2.3", List.of("203.0.113.9, not-an-address"))).isEqualTo("10.1.2.3");
        assertThat(proxies.client("10.1.2.3", List.of("999.1.1.1"))).isEqualTo("10.1.2.3");
        // Only trusted hops: the leftmost of them.
        assertThat(proxies.client("10.1.2.3", List.of("10.9.9.9"))).isEqualTo("10.9.9.9");
    }

    @Test
    void rangesAndAddressesAreParsedWithoutLookingUpNames() {
        assertThat(proxies.trusts("10.255.0.1")).isTrue();
        assertThat(proxies.trusts("11.0.0.1")).isFalse();
        assertThat(proxies.trusts("192.168.1.5")).isTrue();
        assertThat(proxies.trusts("192.168.1.6")).isFalse();
        assertThat(proxies.trusts("fd12::1")).isTrue();
        assertThat(proxies.trusts("beef")).as("a hex-only name is not an address").isFalse();
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.internal")))
                .hasMessageContaining("not an IP address or CIDR range");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/40"))).hasMessageContaining("prefix");
    }
}
