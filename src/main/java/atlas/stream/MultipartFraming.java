package atlas.stream;

import atlas.http.RangeSet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The framing of a {@code multipart/byteranges} body (RFC 9110 §14.6): a part header in front of each range and a
 * closing delimiter after the last.
 * <pre>
 *   part i:   [CRLF, not before the first] "--" boundary CRLF
 *             "Content-Type: " type CRLF
 *             "Content-Range: bytes " first "-" last "/" length CRLF
 *             CRLF
 *             range bytes
 *   close:    CRLF "--" boundary "--" CRLF
 * </pre>
 * One boundary per process, random so it cannot occur in any stored object by accident of naming.
 */
public final class MultipartFraming {
    private static final byte[] BOUNDARY = ("atlas" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
            .getBytes(StandardCharsets.US_ASCII);
    /** The response's Content-Type. */
    public static final String CONTENT_TYPE = "multipart/byteranges; boundary="
            + new String(BOUNDARY, StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] DASHES = {'-', '-'};
    private static final byte[] CONTENT_TYPE_FIELD = "Content-Type: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_RANGE_FIELD = "Content-Range: bytes ".getBytes(StandardCharsets.US_ASCII);

    private MultipartFraming() {
    }

    /** Writes part {@code i}'s delimiter and header for an object of {@code length} bytes of {@code type}. */
    public static void writePartHeader(ByteBuffer dst, RangeSet ranges, int i, String type, long length) {
        if (i > 0) {
            dst.put(CRLF);
        }
        dst.put(DASHES).put(BOUNDARY).put(CRLF);
        dst.put(CONTENT_TYPE_FIELD);
        putAscii(dst, type);
        dst.put(CRLF);
        dst.put(CONTENT_RANGE_FIELD);
        putDecimal(dst, ranges.first(i));
        dst.put((byte) '-');
        putDecimal(dst, ranges.last(i));
        dst.put((byte) '/');
        putDecimal(dst, length);
        dst.put(CRLF).put(CRLF);
    }

    /** Writes the closing delimiter; returns its length. */
    public static int writeClose(ByteBuffer dst) {
        int before = dst.position();
        dst.put(CRLF).put(DASHES).put(BOUNDARY).put(DASHES).put(CRLF);
        return dst.position() - before;
    }

    /** The Content-Length of the whole multipart body. Control path (once per request): a scratch buffer is fine. */
    public static long bodyLength(RangeSet ranges, String type, long length) {
        ByteBuffer scratch = ByteBuffer.allocate(512);
        long total = 0;
        for (int i = 0; i < ranges.count(); i++) {
            scratch.clear();
            writePartHeader(scratch, ranges, i, type, length);
            total += scratch.position() + ranges.last(i) - ranges.first(i) + 1;
        }
        scratch.clear();
        return total + writeClose(scratch);
    }

    private static void putAscii(ByteBuffer dst, String s) {
        for (int i = 0; i < s.length(); i++) {
            dst.put((byte) s.charAt(i));
        }
    }

    /** Decimal digits of {@code value} >= 0, without a String. */
    private static void putDecimal(ByteBuffer dst, long value) {
        if (value == 0) {
            dst.put((byte) '0');
            return;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        int at = dst.position() + digits;
        for (long v = value; v > 0; v /= 10) {
            dst.put(--at, (byte) ('0' + v % 10));
        }
        dst.position(dst.position() + digits);
    }
}
