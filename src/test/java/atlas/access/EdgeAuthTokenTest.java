package atlas.access;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static atlas.access.SigningKeysTest.KEY_A;
import static atlas.access.SigningKeysTest.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EdgeAuthTokenTest {
    private static final SigningKeys KEYS = SigningKeys.parse(List.of(KEY_A, KEY_B));

    /** HMAC-SHA256 through the JDK, independent of the BouncyCastle HMac the code uses. */
    static String jdkHmacHex(String hexKey, String signed) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(HexFormat.of().parseHex(hexKey), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldMatchAValueComputedByOpenssl() {
        // echo -n 'st=1700000000~exp=1700003600~acl=/live/ch1/*' | openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY_A
        assertThat(EdgeAuthToken.sign(KEYS, 1_700_000_000L, 1_700_003_600L, "/live/ch1/*", null))
                .isEqualTo("st=1700000000~exp=1700003600~acl=/live/ch1/*"
                        + "~hmac=a765a0fe4163a5f1c21d795010006ca1cf6732c36577c756d16efb85a2ca9b1e");
    }

    @Test
    void shouldPutFieldsInAkamaiOrderAndSignWhatPrecedesHmac() throws Exception {
        String token = EdgeAuthToken.sign(KEYS, 1_700_000_000L, 1_700_003_600L, "/live/ch1/*!/ads/*", "203.0.113.7");
        String signed = "ip=203.0.113.7~st=1700000000~exp=1700003600~acl=/live/ch1/*!/ads/*";
        assertThat(token).isEqualTo(signed + "~hmac=" + jdkHmacHex(KEY_A, signed));
    }

    @Test
    void shouldOmitStartWhenNegative() throws Exception {
        String token = EdgeAuthToken.sign(KEYS, -1, 1_700_003_600L, "/a/*", null);
        assertThat(token).isEqualTo("exp=1700003600~acl=/a/*~hmac=" + jdkHmacHex(KEY_A, "exp=1700003600~acl=/a/*"));
    }

    @Test
    void shouldHashTheUrlOfAUrlTokenWithoutCarryingIt() throws Exception {
        String token = EdgeAuthToken.signUrl(KEYS, 1_700_000_000L, 1_700_003_600L, "/vod/film/a.mp4", null);
        assertThat(token).isEqualTo("st=1700000000~exp=1700003600~hmac="
                + jdkHmacHex(KEY_A, "st=1700000000~exp=1700003600~url=/vod/film/a.mp4"));
    }

    @Test
    void shouldSignWithTheFirstKeyOnly() throws Exception {
        String token = EdgeAuthToken.sign(SigningKeys.parse(List.of(KEY_B, KEY_A)), -1, 100, "/x", null);
        assertThat(token).endsWith("~hmac=" + jdkHmacHex(KEY_B, "exp=100~acl=/x"));
    }

    @Test
    void shouldRefuseTokensThatCouldNotBeParsedBack() {
        assertThatThrownBy(() -> EdgeAuthToken.sign(KEYS, -1, 100, "/a~b", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'~', the field delimiter");
        assertThatThrownBy(() -> EdgeAuthToken.sign(KEYS, -1, 100, "", null)).hasMessage("acl is empty");
        assertThatThrownBy(() -> EdgeAuthToken.sign(KEYS, 200, 100, "/a", null))
                .hasMessage("expiry 100 is not after start 200");
        assertThatThrownBy(() -> EdgeAuthToken.sign(KEYS, -1, 0, "/a", null))
                .hasMessage("expiry must be a positive epoch second, not 0");
        assertThatThrownBy(() -> EdgeAuthToken.sign(SigningKeys.none(), -1, 100, "/a", null))
                .hasMessage("no signing key");
    }

    @Test
    void shouldParseWhatItSigns() {
        String token = EdgeAuthToken.sign(KEYS, 5, 100, "/a/*", "::1");
        byte[] bytes = token.getBytes(StandardCharsets.US_ASCII);
        EdgeAuthToken parsed = new EdgeAuthToken();
        assertThat(parsed.wrap(bytes, bytes.length)).isTrue();
        assertThat(parsed.startEpochSec()).isEqualTo(5);
        assertThat(parsed.expiryEpochSec()).isEqualTo(100);
        assertThat(parsed.allows("::1", null, new byte[16])).isTrue();
        assertThat(parsed.allows("127.0.0.1", null, new byte[16])).isFalse();
        assertThat(parsed.allows(null, null, new byte[16])).isFalse();
    }

    @Test
    void shouldRefuseMalformedTokens() {
        String hmac = "~hmac=" + "ab".repeat(32);
        for (String bad : new String[] {
            "", "hmac=" + "ab".repeat(32), "exp=1" + "~hmac=abcd", "exp=1~hmac=" + "zz".repeat(32),
            "acl=/a" + hmac, "exp=" + hmac, "exp=1x~acl=/a" + hmac, "st=-1~exp=5~acl=/a" + hmac,
            "exp=1~exp=2~acl=/a" + hmac, "exp=1~acl=/a~url=/a" + hmac, "exp=1~acl=/a~salt=x" + hmac,
            "exp=1~acl=/a" + hmac + "~", "exp=1~acl=/a" + hmac + "~id=1", "exp=1~~acl=/a" + hmac,
            "exp=1~acl" + hmac, "=1~acl=/a" + hmac, "exp=1234567890123456789~acl=/a" + hmac,
        }) {
            byte[] bytes = bad.getBytes(StandardCharsets.US_ASCII);
            assertThat(new EdgeAuthToken().wrap(bytes, bytes.length)).as(bad).isFalse();
        }
    }
}
