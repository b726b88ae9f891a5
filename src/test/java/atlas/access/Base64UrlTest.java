package atlas.access;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class Base64UrlTest {
    @Test
    void shouldDecodeWhatTheJdkEncodesWithOrWithoutPadding() {
        byte[] value = new byte[16];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (0xF0 + i * 37);
        }
        String unpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(value);
        String padded = Base64.getUrlEncoder().encodeToString(value);
        byte[] out = new byte[16];
        assertThat(Base64Url.decode("x=" + unpadded + "&", 2, 2 + unpadded.length(), 24, out)).isTrue();
        assertThat(out).isEqualTo(value);
        out = new byte[16];
        assertThat(Base64Url.decode(padded, 0, padded.length(), 24, out)).isTrue();
        assertThat(out).isEqualTo(value);
    }

    @Test
    void shouldRefuseWrongLengthsAlphabetsAndStrayBits() {
        byte[] out = new byte[16];
        String ok = "utszm_keBVgJ3OAWCMt4iw";
        assertThat(Base64Url.decode(ok, 0, ok.length(), 24, out)).isTrue();
        assertThat(Base64Url.decode(ok, 0, ok.length() - 1, 24, out)).isFalse();
        assertThat(Base64Url.decode(ok + "A", 0, ok.length() + 1, 24, out)).isFalse();
        assertThat(Base64Url.decode(ok.replace('_', '/'), 0, ok.length(), 24, out)).isFalse();
        assertThat(Base64Url.decode(ok.replace('w', 'x'), 0, ok.length(), 24, out)).as("stray low bits").isFalse();
        assertThat(Base64Url.decode(ok + "====", 0, ok.length() + 4, 24, out)).as("over the bound").isFalse();
        assertThat(Base64Url.decode("", 0, 0, 24, out)).isFalse();
    }
}
