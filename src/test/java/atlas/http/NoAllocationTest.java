package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The per-request codecs must not allocate (the hot path's garbage budget is zero). */
class NoAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;
    /** getCurrentThreadAllocatedBytes itself may account a few bytes; one allocation per call would be 100 KB. */
    private static final long SLACK_BYTES = 1024;

    private static long allocatedBy(Runnable work) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < WARM_UP; i++) {
            work.run();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            work.run();
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void shouldParseAndCoalesceRangesWithoutAllocating() {
        RangeSet ranges = new RangeSet(8);
        String value = "bytes=0-99, 200-, -50,, 5000-6000";
        ByteBuffer buf = Bytes.direct(value);
        assertThat(allocatedBy(() -> ranges.parse(buf, 0, value.length(), 1000))).isLessThan(SLACK_BYTES);
        assertThat(ranges.count()).as("200- and -50 coalesced").isEqualTo(2);
    }

    @Test
    void shouldFormatAndParseDatesWithoutAllocating() {
        byte[] out = new byte[HttpDate.LENGTH];
        ByteBuffer imf = Bytes.direct("Sun, 06 Nov 1994 08:49:37 GMT");
        ByteBuffer rfc850 = Bytes.direct("Sunday, 06-Nov-94 08:49:37 GMT");
        ByteBuffer asctime = Bytes.direct("Sun Nov  6 08:49:37 1994");
        long[] sink = new long[1];
        assertThat(allocatedBy(() -> {
            HttpDate.format(784_111_777L, out, 0);
            sink[0] += HttpDate.parse(imf, 0, 29) + HttpDate.parse(rfc850, 0, 30) + HttpDate.parse(asctime, 0, 24);
        })).isLessThan(SLACK_BYTES);
        assertThat(sink[0]).isEqualTo((WARM_UP + MEASURED) * 3L * 784_111_777L);
    }

    @Test
    void shouldDecodeChunksWithoutAllocating() {
        String body = "5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n";
        ByteBuffer src = Bytes.direct(body);
        ByteBuffer dst = ByteBuffer.allocateDirect(64);
        ChunkedDecoder decoder = new ChunkedDecoder();
        assertThat(allocatedBy(() -> {
            decoder.reset();
            decoder.decode(src, 0, body.length(), dst, 0, 64);
        })).isLessThan(SLACK_BYTES);
        assertThat(decoder.isComplete()).isTrue();
    }

    @Test
    void shouldWriteResponseHeadWithoutAllocating() {
        ResponseHeadWriter writer = new ResponseHeadWriter();
        ByteBuffer dst = ByteBuffer.allocateDirect(512);
        byte[] etag = {'"', 'e', '"'};
        assertThat(allocatedBy(() -> {
            dst.clear();
            writer.begin(dst, 206).field("Content-Type", "video/mp4").field("Content-Length", 123_456_789L)
                .field("ETag", etag).contentRange(0, 123_456_788L, 987_654_321L).end();
        })).isLessThan(SLACK_BYTES);
        assertThat(dst.position()).isPositive();
    }
}
