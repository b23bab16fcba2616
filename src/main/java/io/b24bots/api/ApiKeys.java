package io.b24bots.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The keys of the vendor API, from {@code b24.api.keys}. A presented secret is compared with every
 * key's in constant time (as digests, so neither a key's length nor how much of a guess was right
 * shows in the timing); only a key's name is ever logged or stored.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
    /** Shorter secrets are guessable; the service refuses to start with one. */
    static final int MIN_SECRET = 24;

    private final Map<String, byte[]> digests = new LinkedHashMap<>();

    ApiKeys(ApiConfig config) {
        config.keys().filter(keys -> !keys.isBlank()).ifPresent(keys -> {
            for (String pair : keys.split(",")) {
                int colon = pair.indexOf(':');
                String name = colon < 0 ? "" : pair.substring(0, colon).trim();
                String secret = colon < 0 ? "" : pair.substring(colon + 1).trim();
                if (!NAME.matcher(name).matches() || secret.length() < MIN_SECRET || digests.containsKey(name)) {
                    throw new IllegalStateException("Invalid b24.api.keys: each key is name:secret, the name letters, digits, "
                            + "'_', '.' or '-' and unique, the secret at least " + MIN_SECRET + " characters");
                }
                digests.put(name, digest(secret));
            }
        });
    }

    /** The name of the key an {@code Authorization: Bearer <secret>} header carries; empty for anything else. */
    public Optional<String> caller(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = digest(authorization.substring(7).trim());
        String found = null;
        for (Map.Entry<String, byte[]> key : digests.entrySet()) {
            // Every key is compared, whichever matches, so the time says nothing about which one did.
            if (MessageDigest.isEqual(key.getValue(), presented) && found == null) {
                found = key.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    boolean none() {
        return digests.isEmpty();
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
