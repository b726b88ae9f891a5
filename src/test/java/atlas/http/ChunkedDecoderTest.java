package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedDecoderTest {
    private final ChunkedDecoder decoder = new ChunkedDecoder();

    /** Decodes {@code body} in one call into a separate buffer; returns the data, or null when malformed. */
    private String decodeAll(String body) {
        ByteBuffer src = Bytes.direct(body);
        ByteBuffer dst = ByteBuffer.allocateDirect(body.length() + 1);
        int consumed = decoder.decode(src, 0, body.length(), dst, 0, dst.capacity());
        if (consumed == ChunkedDecoder.MALFORMED) {
            return null;
        }
        assertThat(consumed).isEqualTo(body.length());
        return Bytes.string(dst, 0, decoder.produced());
    }

    @Test
    void shouldDecodeChunksWithExtensions() {
        assertThat(decodeAll("5\r\nhello\r\n6;name=value;flag\r\n world\r\n0\r\n\r\n")).isEqualTo("hello world");
        assertThat(decoder.isComplete()).isTrue();
    }

    @Test
    void shouldAcceptUpperCaseHexAndLeadingZeros() {
        assertThat(decodeAll("0A\r\n0123456789\r\n00\r\n\r\n")).isEqualTo("0123456789");
        decoder.reset();
        assertThat(decodeAll("00000000000000a\r\n0123456789\r\n0\r\n\r\n")).isEqualTo("0123456789");
    }

    @Test
    void shouldSkipTrailerSection() {
        assertThat(decodeAll("3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n")).isEqualTo("abc");
        assertThat(decoder.isComplete()).isTrue();
    }

    /**
     * RFC 9112 §7.1 frames chunks with CRLF; §2.2's bare-LF leniency is for the start-line and header fields. A bare
     * LF anywhere in the framing is refused: a proxy that does not end a line there would see another body.
     */
    @ParameterizedTest
    @ValueSource(strings = {"3\nabc\r\n0\r\n\r\n", "3;x\nabc\r\n0\r\n\r\n", "3\r\nabc\n0\r\n\r\n",
        "3\r\nabc\r\n0\n\r\n", "3\r\nabc\r\n0\r\n\n", "3\r\nabc\r\n0\r\nX-T: 1\n\r\n",
        "2;\nxx\r\n0\r\n\r\n"})
    void shouldRefuseBareLineFeedsInTheFraming(String body) {
        assertThat(decodeAll(body)).as(body).isNull();
    }

    @Test
    void shouldAcceptWhitespaceBeforeExtension() {
        assertThat(decodeAll("3 \t;ext\r\nabc\r\n0\r\n\r\n")).isEqualTo("abc");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\r\nabc\r\n", ";ext\r\n", "g\r\n", "3x\r\nabc\r\n", "0000000000000001\r\n", "3\r\nabcX", "3\r\nabc\rX",
        "3\rabc", "3 \r\nabc\r\n0\r\n\r\n", "3;a\u0001\r\n", "3;a\rX", "0\r\nX: 1\rY\r\n\r\n", "0\r\n\rX",
        "-3\r\nabc\r\n"})
    void shouldRejectMalformedFraming(String body) {
        ByteBuffer src = Bytes.direct(body);
        ByteBuffer dst = ByteBuffer.allocate(64);
        assertThat(decoder.decode(src, 0, body.length(), dst, 0, 64)).isEqualTo(ChunkedDecoder.MALFORMED);
    }

    @Test
    void shouldBoundExtensionsAndTrailers() {
        String okExtension = "1;" + "e".repeat(ChunkedDecoder.MAX_EXTENSION_BYTES) + "\r\nx\r\n0\r\n\r\n";
        assertThat(decodeAll(okExtension)).isEqualTo("x");
        decoder.reset();
        assertThat(decodeAll("1;" + "e".repeat(ChunkedDecoder.MAX_EXTENSION_BYTES + 1) + "\r\nx\r\n")).isNull();
        decoder.reset();
        String trailer = "X: " + "t".repeat(ChunkedDecoder.MAX_TRAILER_BYTES) + "\r\n\r\n";
        assertThat(decodeAll("0\r\n" + trailer)).isNull();
    }

    @Test
    void shouldStopAtEndOfBodyLeavingPipelinedBytes() {
        String body = "3\r\nabc\r\n0\r\n\r\n";
        String wire = body + "GET / HTTP/1.1\r\n";
        ByteBuffer src = Bytes.direct(wire);
        ByteBuffer dst = ByteBuffer.allocate(16);
        assertThat(decoder.decode(src, 0, wire.length(), dst, 0, 16)).isEqualTo(body.length());
        assertThat(decoder.isComplete()).isTrue();
        assertThat(decoder.decode(src, body.length(), wire.length(), dst, 3, 16)).isZero();
        assertThat(decoder.produced()).isZero();
    }

    @Test
    void shouldStopWhenDestinationIsFullAndResume() {
        String body = "a\r\n0123456789\r\n0\r\n\r\n";
        ByteBuffer src = Bytes.heap(body, 0);
        ByteBuffer dst = ByteBuffer.allocate(10);
        int consumed = decoder.decode(src, 0, body.length(), dst, 0, 4);
        assertThat(decoder.produced()).isEqualTo(4);
        assertThat(consumed).isEqualTo(3 + 4);
        int more = decoder.decode(src, consumed, body.length(), dst, 4, 10);
        assertThat(decoder.produced()).isEqualTo(6);
        assertThat(consumed + more).isEqualTo(body.length());
        assertThat(decoder.isComplete()).isTrue();
        assertThat(Bytes.string(dst, 0, 10)).isEqualTo("0123456789");
    }

    @Test
    void shouldDecodeByteAtATime() {
        String body = "5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n";
        ByteBuffer src = Bytes.direct(body);
        ByteBuffer dst = ByteBuffer.allocate(16);
        int out = 0;
        for (int i = 0; i < body.length(); i++) {
            assertThat(decoder.isComplete()).isFalse();
            assertThat(decoder.decode(src, i, i + 1, dst, out, 16)).isEqualTo(1);
            out += decoder.produced();
        }
        assertThat(decoder.isComplete()).isTrue();
        assertThat(Bytes.string(dst, 0, out)).isEqualTo("hello!");
    }

    @Test
    void shouldDecodeInPlaceWithRandomChunksAndSplitsInDirectBuffers() {
        inPlaceRoundTrips(true);
    }

    @Test
    void shouldDecodeInPlaceWithRandomChunksAndSplitsInHeapBuffers() {
        inPlaceRoundTrips(false);
    }

    /**
     * Encodes random data with random chunk sizes (some with extensions) at an offset in a
     * buffer, then decodes it onto itself while the "received" region grows by random amounts and the
     * destination limit varies, and compares the result with the original data.
     */
    private void inPlaceRoundTrips(boolean direct) {
        Random random = new Random(direct ? 7 : 11);
        for (int round = 0; round < 300; round++) {
            byte[] data = new byte[random.nextInt(0, 6000)];
            random.nextBytes(data);
            StringBuilder wire = new StringBuilder();
            for (int at = 0; at < data.length; ) {
                int size = Math.min(data.length - at, random.nextInt(1, 700));
                wire.append(Integer.toHexString(size));
                if (random.nextInt(4) == 0) {
                    wire.append(";ext=").append(round);
                }
                String eol = "\r\n";
                wire.append(eol);
                for (int i = 0; i < size; i++) {
                    wire.append((char) (data[at + i] & 0xFF));
                }
                wire.append(eol);
                at += size;
            }
            wire.append("0\r\n");
            if (random.nextBoolean()) {
                wire.append("X-Trailer: ").append(round).append("\r\n");
            }
            wire.append("\r\n");

            int base = random.nextInt(0, 32);
            ByteBuffer buf = direct ? Bytes.direct(wire.toString(), base) : Bytes.heap(wire.toString(), base);
            int total = base + wire.length();
            decoder.reset();
            int received = base;
            int read = base;
            int write = base;
            for (int guard = 0; !decoder.isComplete(); guard++) {
                assertThat(guard).isLessThan(1_000_000);
                received = Math.min(total, received + random.nextInt(0, 400));
                int dstLimit = random.nextInt(4) == 0 ? write + random.nextInt(0, 50) : buf.capacity();
                int consumed = decoder.decode(buf, read, received, buf, write, dstLimit);
                assertThat(consumed).isNotEqualTo(ChunkedDecoder.MALFORMED);
                read += consumed;
                write += decoder.produced();
                assertThat(write).isLessThanOrEqualTo(read);
            }
            assertThat(read).isEqualTo(total);
            assertThat(write - base).isEqualTo(data.length);
            for (int i = 0; i < data.length; i++) {
                if (buf.get(base + i) != data[i]) {
                    assertThat(buf.get(base + i)).as("byte %d of round %d", i, round).isEqualTo(data[i]);
                }
            }
        }
    }
}
