package io.b24bots.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The reverse proxies whose {@code X-Forwarded-For} is believed ({@code quarkus.http.proxy.trusted-proxies}:
 * addresses and CIDR ranges), and the client address a request's chain of hops names. The chain is read
 * from the right: each hop a trusted proxy appended is skipped, and the first address no trusted proxy
 * vouches for is the client, so whatever a client writes into the header itself is never taken.
 */
public final class TrustedProxies {

    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+(?:/[0-9]{1,3})?");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private record Range(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            return rest == 0 || ((address[full] ^ network[full]) & (0xff << (8 - rest)) & 0xff) == 0;
        }
    }

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = ranges;
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /**
     * Parses addresses and CIDR ranges; host names are not resolved (a proxy's address, not its name,
     * is what the connection shows) and are refused like any other malformed entry.
     */
    public static TrustedProxies parse(List<String> entries) {
        List<Range> ranges = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (!LITERAL.matcher(entry).matches()) {
                throw new IllegalArgumentException("quarkus.http.proxy.trusted-proxies: '" + entry
                        + "' is not an IP address or CIDR range (host names are not supported here)");
            }
            int slash = entry.indexOf('/');
            byte[] network = literal(slash < 0 ? entry : entry.substring(0, slash));
            if (network == null) {
                throw new IllegalArgumentException("quarkus.http.proxy.trusted-proxies: '" + entry + "' is not an IP address");
            }
            int prefix = slash < 0 ? network.length * 8 : Integer.parseInt(entry.substring(slash + 1));
            if (prefix > network.length * 8) {
                throw new IllegalArgumentException("quarkus.http.proxy.trusted-proxies: '" + entry + "' has a prefix too long");
            }
            ranges.add(new Range(network, prefix));
        }
        return new TrustedProxies(List.copyOf(ranges));
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} (an IP literal) is one of the trusted proxies. */
    public boolean trusts(String address) {
        byte[] bytes = literal(address);
        return bytes != null && ranges.stream().anyMatch(range -> range.contains(bytes));
    }

    /**
     * The client behind {@code peer}: the peer itself unless it is a trusted proxy; otherwise the
     * rightmost hop of {@code forwardedFor} (header values, each a comma-separated list) that is not a
     * trusted proxy. A malformed hop ends the walk at the last trusted one.
     */
    public String client(String peer, List<String> forwardedFor) {
        if (ranges.isEmpty() || !trusts(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String value : forwardedFor) {
            for (String hop : value.split(",")) {
                hops.add(hop.trim());
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = address(hops.get(i));
            if (hop == null) {
                return client;
            }
            client = hop;
            if (!trusts(hop)) {
                return hop;
            }
        }
        return client;
    }

    /** A hop as a canonical IP literal ({@code [v6]:port} and {@code v4:port} forms too); null when it is none. */
    private static String address(String hop) {
        String value = hop;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            value = close < 0 ? "" : value.substring(1, close);
        } else if (value.indexOf(':') == value.lastIndexOf(':') && value.indexOf(':') > 0) {
            value = value.substring(0, value.indexOf(':'));
        }
        byte[] bytes = literal(value);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The bytes of an IPv4 or IPv6 literal, without any name lookup; null for anything else. */
    static byte[] literal(String value) {
        if (value == null || value.isEmpty() || value.length() > 45
                || !IPV4.matcher(value).matches() && !IPV6.matcher(value).matches()) {
            return null;
        }
        if (IPV4.matcher(value).matches()) {
            String[] parts = value.split("\\.");
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(parts[i]);
                if (part > 255) {
                    return null;
                }
                bytes[i] = (byte) part;
            }
            return bytes;
        }
        try {
            // In brackets the JDK parses an IPv6 literal and refuses a malformed one, never looking up a name.
            return InetAddress.getByName("[" + value + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
