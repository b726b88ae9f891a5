package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * HTTP-date (RFC 9110 §5.6.7): formats IMF-fixdate, parses IMF-fixdate, RFC 850 and asctime forms.
 */
public final class HttpDate {
    /** Length of an IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
    public static final int LENGTH = 29;

    private HttpDate() {
    }

    /** Writes the IMF-fixdate of {@code epochSecond} into {@code dst[offset, offset+29)}. Does not allocate. */
    public static void format(long epochSecond, byte[] dst, int offset) {
        throw new UnsupportedOperationException("stub");
    }

    public static String format(long epochSecond) {
        throw new UnsupportedOperationException("stub");
    }

    /** Epoch second of the date at {@code buf[offset, offset+length)}, or -1 when it is not a valid HTTP-date. */
    public static long parse(ByteBuffer buf, int offset, int length) {
        throw new UnsupportedOperationException("stub");
    }

    public static long parse(String value) {
        throw new UnsupportedOperationException("stub");
    }
}
