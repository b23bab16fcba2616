package io.b24bots.portal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.b24bots.config.B24Config;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Encrypts secrets at rest with AES-GCM under the key ring of {@code b24.token-keys}: the first
 * key seals, every key opens, so keys rotate by putting a new one first. The additional data
 * binds each ciphertext to its row and column, so a sealed value copied into another portal's
 * row does not open. Also derives the HMAC keys that sign short-lived values (OAuth state).
 */
@Startup
@Singleton
public class TokenCipher {

    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    private final String primaryKeyId;
    private final List<byte[]> signingKeys = new ArrayList<>();

    @Inject
    public TokenCipher(B24Config config) {
        this(config.tokenKeys());
    }

    TokenCipher(String keySpec) {
        parseKeys(keySpec);
        primaryKeyId = keys.keySet().iterator().next();
        for (SecretKey key : keys.values()) {
            signingKeys.add(hmac(key.getEncoded(), "b24bots signing key".getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void parseKeys(String spec) {
        for (String entry : spec.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            if (colon <= 0 || colon == trimmed.length() - 1) {
                throw invalid("each entry must be id:base64key");
            }
            String id = trimmed.substring(0, colon);
            if (!id.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw invalid("key id '" + id + "' must be 1-32 letters, digits, '.', '_' or '-'");
            }
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw invalid("key '" + id + "' is not valid base64");
            }
            if (raw.length != 16 && raw.length != 24 && raw.length != 32) {
                throw invalid("key '" + id + "' must be 16, 24 or 32 bytes (AES-128/192/256), got " + raw.length);
            }
            if (keys.put(id, new SecretKeySpec(raw, "AES")) != null) {
                throw invalid("key id '" + id + "' appears twice");
            }
        }
        if (keys.isEmpty()) {
            throw invalid("no key given");
        }
    }

    private static IllegalStateException invalid(String why) {
        return new IllegalStateException("Invalid b24.token-keys (B24_TOKEN_KEYS): " + why);
    }

    public String primaryKeyId() {
        return primaryKeyId;
    }

    /** Seals with the primary key; {@code context} names the row and column. */
    public byte[] seal(String plaintext, String context) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(primaryKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Opens a value sealed under {@code keyId} for the same {@code context}. */
    public String open(byte[] sealed, String keyId, String context) {
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("No key '" + keyId + "' in b24.token-keys to decrypt a stored token; "
                    + "keep retired keys in the list until every row is re-encrypted");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A stored token failed authentication under key '" + keyId + "'");
        }
    }

    /** HMAC-SHA256 of {@code data} under the primary signing key. */
    public byte[] sign(byte[] data) {
        return hmac(signingKeys.get(0), data);
    }

    /** True when {@code signature} was made by any key of the ring; constant-time per key. */
    public boolean verify(byte[] data, byte[] signature) {
        boolean ok = false;
        for (byte[] key : signingKeys) {
            // Compare with every key and without early exit, so timing tells nothing about the match.
            ok |= MessageDigest.isEqual(hmac(key, data), signature);
        }
        return ok;
    }

    /** One-way digest used to store values that only need comparing, such as application tokens. */
    public static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
