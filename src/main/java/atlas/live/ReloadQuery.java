package atlas.live;

import java.nio.ByteBuffer;

/**
 * The blocking-reload directives of a playlist request's query (draft-pantos-hls-rfc8216bis §6.2.5.2):
 * {@code _HLS_msn=M} and {@code _HLS_part=P}, read in place from the request head's buffer. Other arguments
 * ({@code _HLS_skip}, a token, a cache buster) are left alone. One per connection, reused.
 */
public final class ReloadQuery {
    /** No directive: an ordinary poll, answered at once. */
    public static final int NONE = 0;
    /** A directive to hold for; {@link #segment()} and {@link #part()} say what. */
    public static final int BLOCKING = 1;
    /** 400: {@code _HLS_part} without {@code _HLS_msn}, or a value that is not a decimal integer. */
    public static final int MALFORMED = 2;

    private static final byte[] MSN = "_HLS_msn".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] PART = "_HLS_part".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_DIGITS = 18;

    private long segment;
    private int part;

    /** Reads the query at {@code buffer[offset, offset + length)}; {@code offset} < 0: no query. */
    public int parse(ByteBuffer buffer, int offset, int length) {
        segment = -1;
        part = -1;
        if (offset < 0) {
            return NONE;
        }
        int end = offset + length;
        boolean malformed = false;
        int i = offset;
        while (i < end) {
            int argEnd = i;
            while (argEnd < end && buffer.get(argEnd) != '&') {
                argEnd++;
            }
            int eq = i;
            while (eq < argEnd && buffer.get(eq) != '=') {
                eq++;
            }
            if (is(buffer, i, eq, MSN)) {
                segment = digits(buffer, eq + 1, argEnd);
                malformed |= segment < 0;
            } else if (is(buffer, i, eq, PART)) {
                long p = digits(buffer, eq + 1, argEnd);
                malformed |= p < 0 || p > Integer.MAX_VALUE;
                part = (int) Math.min(p, Integer.MAX_VALUE);
            }
            i = argEnd + 1;
        }
        if (malformed || (part >= 0 && segment < 0)) {
            return MALFORMED;
        }
        return segment >= 0 ? BLOCKING : NONE;
    }

    public long segment() {
        return segment;
    }

    /** The Partial Segment asked for, or -1 for the whole segment. */
    public int part() {
        return part;
    }

    private static boolean is(ByteBuffer b, int from, int to, byte[] name) {
        if (to - from != name.length) {
            return false;
        }
        for (int k = 0; k < name.length; k++) {
            if (b.get(from + k) != name[k]) {
                return false;
            }
        }
        return true;
    }

    private static long digits(ByteBuffer b, int from, int to) {
        if (from >= to || to - from > MAX_DIGITS) {
            return -1;
        }
        long v = 0;
        for (int k = from; k < to; k++) {
            int d = b.get(k) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
