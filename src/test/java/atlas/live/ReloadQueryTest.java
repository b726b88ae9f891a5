package atlas.live;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ReloadQueryTest {
    private final ReloadQuery query = new ReloadQuery();

    /** Parses {@code q} placed after some other bytes, as it sits in a request head's buffer. */
    private int parse(String q) {
        byte[] bytes = ("GET /x.m3u8?" + q).getBytes(StandardCharsets.US_ASCII);
        return query.parse(ByteBuffer.wrap(bytes), 12, bytes.length - 12);
    }

    @Test
    void shouldReadTheSegmentAndPartAmongOtherArguments() {
        assertThat(parse("_HLS_msn=268&_HLS_part=2")).isEqualTo(ReloadQuery.BLOCKING);
        assertThat(query.segment()).isEqualTo(268);
        assertThat(query.part()).isEqualTo(2);
        assertThat(parse("hdnts=a~b&_HLS_skip=YES&_HLS_msn=5")).isEqualTo(ReloadQuery.BLOCKING);
        assertThat(query.segment()).isEqualTo(5);
        assertThat(query.part()).isEqualTo(-1);
    }

    @Test
    void shouldSayNoneForAPlainPoll() {
        assertThat(parse("v=3")).isEqualTo(ReloadQuery.NONE);
        assertThat(parse("")).isEqualTo(ReloadQuery.NONE);
        assertThat(parse("_HLS_msnx=3")).isEqualTo(ReloadQuery.NONE);
        assertThat(query.parse(ByteBuffer.allocate(0), -1, 0)).isEqualTo(ReloadQuery.NONE);
    }

    @Test
    void shouldRefuseAPartWithoutASegmentAndValuesThatAreNotNumbers() {
        assertThat(parse("_HLS_part=1")).isEqualTo(ReloadQuery.MALFORMED);
        assertThat(parse("_HLS_msn=-1")).isEqualTo(ReloadQuery.MALFORMED);
        assertThat(parse("_HLS_msn=")).isEqualTo(ReloadQuery.MALFORMED);
        assertThat(parse("_HLS_msn=1x")).isEqualTo(ReloadQuery.MALFORMED);
        assertThat(parse("_HLS_msn=3&_HLS_part=99999999999")).isEqualTo(ReloadQuery.MALFORMED);
        assertThat(parse("_HLS_msn=1234567890123456789012")).isEqualTo(ReloadQuery.MALFORMED);
    }
}
