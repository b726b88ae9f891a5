package atlas.access;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class PathTokenTest {
    private static final String NAME = "hdnts";

    private static int length(String target) {
        byte[] raw = target.getBytes(StandardCharsets.ISO_8859_1);
        return PathToken.segmentLength(raw, 0, raw.length, NAME);
    }

    @Test
    void shouldFindTheLeadingTokenSegment() {
        String target = "/hdnts=st=1~exp=2~acl=%2Flive%2Fch1%2F*~hmac=abcd/live/ch1/index.m3u8";
        int n = length(target);
        assertThat(target.substring(0, n)).isEqualTo("/hdnts=st=1~exp=2~acl=%2Flive%2Fch1%2F*~hmac=abcd");
        assertThat(target.substring(n)).isEqualTo("/live/ch1/index.m3u8");
        assertThat(PathToken.decode(target.getBytes(StandardCharsets.ISO_8859_1), 0, n, NAME))
                .isEqualTo("st=1~exp=2~acl=/live/ch1/*~hmac=abcd");
    }

    @Test
    void shouldHonourOffsetAndLength() {
        byte[] raw = "GET /hdnts=a~b/x.ts?q=1 HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1);
        int n = PathToken.segmentLength(raw, 4, 19, NAME);
        assertThat(n).isEqualTo(10);
        assertThat(PathToken.decode(raw, 4, n, NAME)).isEqualTo("a~b");
        // The length cuts the target before the '/': no object path follows.
        assertThat(PathToken.segmentLength(raw, 4, 10, NAME)).isZero();
    }

    @Test
    void shouldAnswerZeroForTargetsWithoutATokenSegment() {
        assertThat(length("/live/ch1/index.m3u8")).isZero();
        assertThat(length("/hdnts/x")).isZero();
        assertThat(length("/hdntsx=1/x")).isZero();
        assertThat(length("/HDNTS=1/x")).isZero();
        assertThat(length("hdnts=1/x")).isZero();
        assertThat(length("/hdnts=1")).isZero();
        assertThat(length("/hdnts=1?x=/y")).isZero();
        assertThat(length("/")).isZero();
        assertThat(length("")).isZero();
        assertThat(length("/live/hdnts=1/x")).isZero();
    }

    @Test
    void shouldCountAnEmptyTokenAsPresentAndInvalid() {
        assertThat(length("/hdnts=/x")).isEqualTo(7);
        assertThat(PathToken.decode("/hdnts=/x".getBytes(StandardCharsets.ISO_8859_1), 0, 7, NAME)).isEmpty();
    }

    @Test
    void shouldDecodeMalformedEscapesToAnEmptyToken() {
        for (String target : new String[] {"/hdnts=a%2/x", "/hdnts=a%/x", "/hdnts=a%zz~b/x", "/hdnts=%G0/x"}) {
            byte[] raw = target.getBytes(StandardCharsets.ISO_8859_1);
            int n = PathToken.segmentLength(raw, 0, raw.length, NAME);
            assertThat(n).as(target).isPositive();
            assertThat(PathToken.decode(raw, 0, n, NAME)).as(target).isEmpty();
        }
    }

    @Test
    void shouldDecodeUtf8() {
        byte[] raw = "/hdnts=data=%C3%A9/x".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(PathToken.decode(raw, 0, PathToken.segmentLength(raw, 0, raw.length, NAME), NAME)).isEqualTo("data=é");
    }

    @Test
    void shouldEncodeSoTheSegmentEndsAtTheFirstRawSlashAndDecodesBack() {
        String token = "ip=::1~st=1~exp=2~acl=/live/ch1/*!/ads/*~data=a b?c#d%e&f/~hmac=ab";
        String segment = PathToken.pathForm(token, NAME);
        assertThat(segment).isEqualTo("/hdnts=ip=::1~st=1~exp=2~acl=%2Flive%2Fch1%2F*!%2Fads%2F*"
                + "~data=a%20b%3Fc%23d%25e%26f%2F~hmac=ab");
        byte[] raw = (segment + "/live/ch1/index.m3u8").getBytes(StandardCharsets.ISO_8859_1);
        int n = PathToken.segmentLength(raw, 0, raw.length, NAME);
        assertThat(n).isEqualTo(segment.length());
        assertThat(PathToken.decode(raw, 0, n, NAME)).isEqualTo(token);
    }

    @Test
    void shouldUseTheConfiguredName() {
        byte[] raw = "/__token__=x/a".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(PathToken.segmentLength(raw, 0, raw.length, "__token__")).isEqualTo(12);
        assertThat(PathToken.segmentLength(raw, 0, raw.length, NAME)).isZero();
    }
}
