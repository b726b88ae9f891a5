package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseHeadWriterTest {
    private final ResponseHeadWriter writer = new ResponseHeadWriter();

    private static String written(ByteBuffer buf, int from) {
        return Bytes.string(buf, from, buf.position());
    }

    @Test
    void shouldWriteStatusLineFieldsAndEmptyLine() {
        ByteBuffer buf = ByteBuffer.allocateDirect(512);
        buf.position(10);
        writer.begin(buf, 206)
            .field("Content-Type", "video/mp2t")
            .field("Content-Length", 500L)
            .field("ETag", "\"abc\"".getBytes(StandardCharsets.US_ASCII))
            .field("Date", "xxSun, 06 Nov 1994 08:49:37 GMTyy".getBytes(StandardCharsets.US_ASCII), 2, 29)
            .contentRange(0, 499, 1000)
            .end();
        assertThat(written(buf, 10)).isEqualTo("""
            HTTP/1.1 206 Partial Content\r
            Content-Type: video/mp2t\r
            Content-Length: 500\r
            ETag: "abc"\r
            Date: Sun, 06 Nov 1994 08:49:37 GMT\r
            Content-Range: bytes 0-499/1000\r
            \r
            """);
    }

    @Test
    void shouldWriteUnsatisfiedContentRange() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        writer.begin(buf, 416).unsatisfiedContentRange(1234).field("Content-Length", 0).end();
        assertThat(written(buf, 0)).isEqualTo(
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */1234\r\nContent-Length: 0\r\n\r\n");
    }

    @Test
    void shouldWriteNumbersOfEveryWidth() {
        ByteBuffer buf = ByteBuffer.allocate(512);
        writer.begin(buf, 200).field("A", 0).field("B", 9).field("C", 10).field("D", Long.MAX_VALUE)
            .field("E", -42).field("F", Long.MIN_VALUE).end();
        assertThat(written(buf, 0)).isEqualTo("HTTP/1.1 200 OK\r\nA: 0\r\nB: 9\r\nC: 10\r\n"
            + "D: 9223372036854775807\r\nE: -42\r\nF: -9223372036854775808\r\n\r\n");
    }

    @Test
    void shouldUseUnknownReasonForUnlistedStatus() {
        ByteBuffer buf = ByteBuffer.allocate(64);
        writer.begin(buf, 299).end();
        assertThat(written(buf, 0)).isEqualTo("HTTP/1.1 299 Unknown\r\n\r\n");
    }

    @Test
    void shouldThrowOverflowWhenHeadDoesNotFit() {
        assertThatThrownBy(() -> writer.begin(ByteBuffer.allocate(10), 200))
            .isInstanceOf(BufferOverflowException.class);
        ByteBuffer numberTooLong = ByteBuffer.allocate(21);
        writer.begin(numberTooLong, 200);
        assertThatThrownBy(() -> writer.field("X", 1234567L)).isInstanceOf(BufferOverflowException.class);
        ByteBuffer valueTooLong = ByteBuffer.allocate(30);
        writer.begin(valueTooLong, 200);
        assertThatThrownBy(() -> writer.field("X", "0123456789")).isInstanceOf(BufferOverflowException.class);
    }

    @Test
    void shouldRefuseControlCharactersThatWouldSplitTheResponse() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        writer.begin(buf, 200);
        assertThatThrownBy(() -> writer.field("X", "a\r\nSet-Cookie: x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.field("X", new byte[] {'a', '\n'})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.field("Bad Name", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.field("X", "\u20ac")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAllowTabAndObsTextInValues() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        writer.begin(buf, 200).field("X", "a\tb\u00e9").end();
        assertThat(written(buf, 0)).isEqualTo("HTTP/1.1 200 OK\r\nX: a\tb\u00e9\r\n\r\n");
    }
}
