package atlas.http;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Writes a response head as ASCII into a buffer without allocating: status line, fields, final CRLF.
 * Reused per connection. Writes at the buffer's position and advances it; throws
 * {@link java.nio.BufferOverflowException} if the head does not fit (heads are small and bounded).
 * <p>
 * Strings are written char by char as Latin-1 bytes, never through {@code getBytes}. Because names and values
 * come from server code, a CR, LF or other control character in them is a bug that would let a value split the
 * response (RFC 9110 §5.5), so it throws {@link IllegalArgumentException} rather than being written.
 */
public final class ResponseHeadWriter {
    private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
    private static final byte[] CONTENT_RANGE_BYTES = {
        'C', 'o', 'n', 't', 'e', 'n', 't', '-', 'R', 'a', 'n', 'g', 'e', ':', ' ', 'b', 'y', 't', 'e', 's', ' '};

    private ByteBuffer dst;

    public ResponseHeadWriter() {
    }

    /** Starts a head: "HTTP/1.1 {status} {reason}\r\n". */
    public ResponseHeadWriter begin(ByteBuffer dst, int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status " + status);
        }
        this.dst = dst;
        dst.put(HTTP_1_1);
        number(status);
        dst.put((byte) ' ');
        text(HttpStatus.reason(status));
        crlf();
        return this;
    }

    public ResponseHeadWriter field(String name, String value) {
        name(name);
        text(value);
        crlf();
        return this;
    }

    public ResponseHeadWriter field(String name, long value) {
        name(name);
        number(value);
        crlf();
        return this;
    }

    /** A field whose value is {@code prefix} then a number, as "Cache-Status: atlas; hit; ttl=42": no concatenation. */
    public ResponseHeadWriter field(String name, String prefix, long value) {
        name(name);
        text(prefix);
        number(value);
        crlf();
        return this;
    }

    /** A field whose value is ASCII bytes (an ETag, a cached date). */
    public ResponseHeadWriter field(String name, byte[] value) {
        return field(name, value, 0, value.length);
    }

    public ResponseHeadWriter field(String name, byte[] value, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            checkValueByte(value[i]);
        }
        name(name);
        dst.put(value, offset, length);
        crlf();
        return this;
    }

    /** "Content-Range: bytes first-last/length". */
    public ResponseHeadWriter contentRange(long first, long last, long length) {
        dst.put(CONTENT_RANGE_BYTES);
        number(first);
        dst.put((byte) '-');
        number(last);
        dst.put((byte) '/');
        number(length);
        crlf();
        return this;
    }

    /** "Content-Range: bytes *&#47;length", sent with 416 (RFC 9110 §14.4). */
    public ResponseHeadWriter unsatisfiedContentRange(long length) {
        dst.put(CONTENT_RANGE_BYTES);
        dst.put((byte) '*');
        dst.put((byte) '/');
        number(length);
        crlf();
        return this;
    }

    /** Ends the head with the empty line. */
    public void end() {
        crlf();
        dst = null; // the buffer changes hands now; a stray write after end() fails fast
    }

    private void name(String name) {
        int n = name.length();
        if (n == 0) {
            throw new IllegalArgumentException("empty field name");
        }
        if (dst.remaining() < n + 2) {
            throw new BufferOverflowException();
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == ':') {
                throw new IllegalArgumentException("invalid field name: " + name);
            }
            dst.put((byte) c);
        }
        dst.put((byte) ':');
        dst.put((byte) ' ');
    }

    private void text(String value) {
        int n = value.length();
        if (dst.remaining() < n) {
            throw new BufferOverflowException();
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c > 0xFF) {
                throw new IllegalArgumentException("non-Latin-1 character in field value");
            }
            checkValueByte((byte) c);
            dst.put((byte) c);
        }
    }

    /** field-vchar / SP / HTAB / obs-text (RFC 9110 §5.5). */
    private static void checkValueByte(byte b) {
        if (b >= 0 && b < 0x20 && b != '\t' || b == 0x7F) {
            throw new IllegalArgumentException("control character in field value: " + (b & 0xFF));
        }
    }

    /** Decimal digits of {@code value}, written back to front at absolute indices: no temporary char array. */
    private void number(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                text("-9223372036854775808");
                return;
            }
            dst.put((byte) '-');
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        int at = dst.position();
        if (dst.limit() - at < digits) {
            throw new BufferOverflowException();
        }
        for (int i = at + digits - 1; i >= at; i--) {
            dst.put(i, (byte) ('0' + value % 10));
            value /= 10;
        }
        dst.position(at + digits);
    }

    private void crlf() {
        dst.put((byte) '\r');
        dst.put((byte) '\n');
    }
}
