package atlas.access;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenEncodingTest {
    private static final String AWKWARD = "exp=2~acl=/live/ch1/*!/ads/*~data=a b&c#d+e%f;g?h\"é~hmac=ab";

    @Test
    void shouldKeepAQueryTokenReadable() {
        assertThat(TokenEncoding.queryValue("st=1~exp=2~acl=/live/ch1/*!/ads/*~hmac=ab"))
                .isEqualTo("st=1~exp=2~acl=/live/ch1/*!/ads/*~hmac=ab");
        assertThat(TokenEncoding.queryValue(AWKWARD))
                .isEqualTo("exp=2~acl=/live/ch1/*!/ads/*~data=a%20b%26c%23d%2Be%25f;g?h%22%C3%A9~hmac=ab");
    }

    @Test
    void shouldEncodeEverySlashInAPathSegment() {
        assertThat(TokenEncoding.pathSegment(AWKWARD)).doesNotContain("/", ";", "?", "#", " ")
                .startsWith("exp=2~acl=%2Flive%2Fch1%2F*!%2Fads%2F*~");
    }

    @Test
    void shouldRoundTripThroughTheVerifier() {
        SigningKeys keys = SigningKeys.parse(List.of(SigningKeysTest.KEY_A));
        String token = EdgeAuthToken.sign(keys, -1, 100, "/live/*", null).replace("~hmac=", "~data=" + "a&b c+%é" + "~hmac=");
        String signed = token.substring(0, token.indexOf("~hmac="));
        String resigned;
        try {
            resigned = signed + "~hmac=" + EdgeAuthTokenTest.jdkHmacHex(SigningKeysTest.KEY_A, signed);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        UrlTokenVerifier verifier = new UrlTokenVerifier(new UrlSigning(keys, null));
        assertThat(verifier.verify("/live/a.ts", "hdnts=" + TokenEncoding.queryValue(resigned), null, null, null, "::1", 50))
                .isEqualTo(TokenVerdict.VALID);
    }
}
