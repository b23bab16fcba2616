package io.b24bots.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import io.b24bots.support.Memories;

/**
 * Which URLs the service may call with a token or the client secret: https (http only with
 * {@code b24.allow-http}), and, in production, only hosts whose every address is public, so a portal
 * or OAuth answer naming {@code 127.0.0.1}, a private network or the cloud metadata address cannot
 * turn the service into a proxy into its own network. Resolutions are cached briefly per host.
 */
public final class OutboundAddresses {

    /** What a host name resolves to, as far as this policy is concerned. */
    public enum Reach {
        PUBLIC, INTERNAL, UNRESOLVED
    }

    private static final Duration CACHE_TTL = Duration.ofSeconds(60);
    private static final int CACHE_MAX = 10_000;
    private static final Map<String, Cached> CACHE = Memories.bounded(CACHE_MAX, CACHE_TTL);
    private static final Map<String, String> HOSTS = Memories.sized(CACHE_MAX);
    private static final int MAX_REMEMBERED_URL = 300;

    private record Cached(Resolution resolution, long until) {
    }

    /**
     * Where a host leads and, when it is public, the address that was checked: a caller connects to
     * that address, so a DNS answer that changes between the check and the connection (rebinding)
     * cannot send a token to an internal one.
     */
    public record Resolution(Reach reach, InetAddress address) {
    }

    private OutboundAddresses() {
    }

    /** The scheme rule alone: {@code https://}, or {@code http://} when {@code allowHttp}. */
    public static boolean secureScheme(String url, boolean allowHttp) {
        if (url == null) {
            return false;
        }
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("https://") || allowHttp && lower.startsWith("http://");
    }

    /**
     * True when {@code url} may be called: the scheme rule, a host, and (unless {@code allowHttp},
     * which only tests and local runs set) no internal address. A host that does not resolve now is
     * accepted here; the check at call time refuses it then.
     */
    public static boolean acceptable(String url, boolean allowHttp) {
        if (!secureScheme(url, allowHttp)) {
            return false;
        }
        String host = host(url);
        return host != null && (allowHttp || reach(host) != Reach.INTERNAL);
    }

    /** {@code host} or {@code host:port} of a URL, as Bitrix24 writes a portal's domain; null when there is none. */
    public static String authority(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null) {
                return null;
            }
            return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The host of {@code url}, without brackets for IPv6 literals; null when there is none. */
    public static String host(String url) {
        // Every call to a portal asks for its endpoint's host, always the same few URLs, so each is
        // parsed once. URLs can come from outside, so what is kept is
        // bounded: at most CACHE_MAX of them, none longer than a portal's endpoint ever is.
        if (url == null) {
            return null;
        }
        String known = HOSTS.get(url);
        if (known != null) {
            return known;
        }
        String host = parseHost(url);
        if (host != null && url.length() <= MAX_REMEMBERED_URL) {
            HOSTS.put(url, host);
        }
        return host;
    }

    private static String parseHost(String url) {
        try {
            String host = URI.create(url).getHost();
            if (host == null || host.isBlank()) {
                return null;
            }
            return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Where {@code host} leads: internal when any of its addresses is (a mixed answer is as bad as a wholly internal one). */
    public static Reach reach(String host) {
        return resolution(host).reach();
    }

    /** {@link #reach}, with the checked address to connect to when it is public. */
    public static Resolution resolution(String host) {
        String key = host.toLowerCase(Locale.ROOT);
        long now = System.nanoTime();
        Cached cached = CACHE.get(key);
        if (cached != null && cached.until - now > 0) {
            return cached.resolution;
        }
        Resolution resolution = resolve(key);
        // An unresolved host is not cached long: DNS trouble passes.
        long ttl = resolution.reach() == Reach.UNRESOLVED ? CACHE_TTL.toNanos() / 12 : CACHE_TTL.toNanos();
        CACHE.put(key, new Cached(resolution, now + ttl));
        return resolution;
    }

    private static Resolution resolve(String host) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException | SecurityException e) {
            return new Resolution(Reach.UNRESOLVED, null);
        }
        if (addresses.length == 0) {
            return new Resolution(Reach.UNRESOLVED, null);
        }
        return Arrays.stream(addresses).allMatch(OutboundAddresses::isPublic) ? new Resolution(Reach.PUBLIC, addresses[0])
                : new Resolution(Reach.INTERNAL, null);
    }

    /**
     * False for loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local
     * (169.254/16 with the cloud metadata address, fe80::/10), any-local, "this network" (0/8),
     * multicast and reserved addresses, also when written as IPv4 inside IPv6.
     */
    public static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && first < 224 && !(first == 100 && (second & 0xc0) == 64);
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return false;
            }
            boolean zeroPrefix = true;
            for (int i = 0; i < 10; i++) {
                zeroPrefix &= b[i] == 0;
            }
            boolean mapped = zeroPrefix && (b[10] == 0 && b[11] == 0 || b[10] == (byte) 0xff && b[11] == (byte) 0xff);
            if (mapped) {
                try {
                    return isPublic(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
