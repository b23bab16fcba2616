package io.b24bots.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TokenCipherTest {

    static final String OLD = "old:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    static final String NEW = "new:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    @Test
    void sealsWithTheFirstKeyAndOpensWithAnyKeyOfTheRing() {
        TokenCipher before = new TokenCipher(OLD);
        byte[] sealedOld = before.seal("secret-token", "row:1");
        assertThat(new String(sealedOld, StandardCharsets.ISO_8859_1)).doesNotContain("secret-token");

        TokenCipher rotated = new TokenCipher(NEW + "," + OLD);
        assertThat(rotated.primaryKeyId()).isEqualTo("new");
        assertThat(rotated.open(sealedOld, "old", "row:1")).isEqualTo("secret-token");
        byte[] sealedNew = rotated.seal("secret-token", "row:1");
        assertThat(rotated.open(sealedNew, "new", "row:1")).isEqualTo("secret-token");
        assertThat(sealedNew).isNotEqualTo(rotated.seal("secret-token", "row:1"));
    }

    @Test
    void aValueCopiedToAnotherRowDoesNotOpen() {
        TokenCipher cipher = new TokenCipher(NEW);
        byte[] sealed = cipher.seal("secret-token", "row:1");
        assertThatThrownBy(() -> cipher.open(sealed, "new", "row:2")).isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("secret-token");
    }

    @Test
    void aRetiredKeyMissingFromTheRingIsNamed() {
        byte[] sealed = new TokenCipher(OLD).seal("t", "c");
        assertThatThrownBy(() -> new TokenCipher(NEW).open(sealed, "old", "c")).hasMessageContaining("'old'");
    }

    @Test
    void signaturesVerifyAcrossRotation() {
        byte[] data = "state".getBytes(StandardCharsets.UTF_8);
        byte[] signature = new TokenCipher(OLD).sign(data);
        assertThat(new TokenCipher(NEW + "," + OLD).verify(data, signature)).isTrue();
        assertThat(new TokenCipher(NEW).verify(data, signature)).isFalse();
    }

    @Test
    void invalidKeySpecsNameTheSetting() {
        for (String spec : new String[] {"", "nokey", "id:", "id:not*base64", "id:c2hvcnQ=", NEW + "," + NEW}) {
            assertThatThrownBy(() -> new TokenCipher(spec)).as(spec)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("b24.token-keys");
        }
    }
}
