package atlas.access;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningKeysTest {
    static final String KEY_A = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static final String KEY_B = "F0E1D2C3B4A5968778695A4B3C2D1E0F";

    @Test
    void shouldParseHexKeysOfEitherCaseWithTheFirstSigning() {
        SigningKeys keys = SigningKeys.parse(List.of(KEY_A, KEY_B));
        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.isEmpty()).isFalse();
        assertThat(keys.key(0)).hasSize(32).startsWith(0, 1, 2);
        assertThat(keys.key(1)).hasSize(16).startsWith((byte) 0xF0, (byte) 0xE1);
    }

    @Test
    void shouldBeEmptyForNoKeys() {
        assertThat(SigningKeys.parse(List.of()).isEmpty()).isTrue();
        assertThat(SigningKeys.none().size()).isZero();
    }

    @Test
    void shouldNameTheKeyAndTheProblemInOneLine() {
        assertThatThrownBy(() -> SigningKeys.parse(List.of(KEY_A, KEY_A + "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("signing key 2 of 2: odd number of hex digits (65)");
        assertThatThrownBy(() -> SigningKeys.parse(List.of("00112233445566778899aabbccddeeXf")))
                .hasMessage("signing key 1 of 1: not a hex digit at index 30 ('X')");
        assertThatThrownBy(() -> SigningKeys.parse(List.of(KEY_B + " ")))
                .hasMessage("signing key 1 of 1: not a hex digit at index 32 (a space)");
        assertThatThrownBy(() -> SigningKeys.parse(List.of("00112233445566778899aabbccddee")))
                .hasMessage("signing key 1 of 1: 15 bytes, at least 16 needed (32 hex digits)");
        assertThatThrownBy(() -> SigningKeys.parse(List.of("")))
                .hasMessage("signing key 1 of 1: empty");
    }

    @Test
    void shouldRefuseNonAsciiDigits() {
        // Character.digit accepts fullwidth and other Unicode digits; a key is ASCII hex.
        assertThat(SigningKeys.problem("\uFF10" + KEY_B.substring(1))).isEqualTo("not a hex digit at index 0 (U+FF10)");
    }

    @Test
    void shouldNeverPrintKeyMaterial() {
        SigningKeys keys = SigningKeys.parse(List.of(KEY_A, KEY_B));
        assertThat(keys.toString()).isEqualTo("SigningKeys[2 keys]").doesNotContain("0001");
        assertThat(new UrlSigning(keys, null).toString()).doesNotContain(KEY_A).doesNotContain(KEY_B);
    }
}
