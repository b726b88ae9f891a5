package atlas.server;

import java.nio.ByteBuffer;

/**
 * Matching of If-Match / If-None-Match / If-Range values against an object's entity tag (RFC 9110 §8.8.3,
 * §13.1). Works on the raw header bytes in the receive buffer; never allocates.
 * <p>
 * Our tags are always strong, so weak comparison only differs in accepting a {@code W/} prefix on the
 * client's side.
 */
final class EntityTags {
    private EntityTags() {
    }

    /**
     * True when some member of the comma-separated list equals {@code etag} (quotes included). With
     * {@code weak} a member's {@code W/} prefix is ignored (If-None-Match); without it, weak members never match
     * (If-Match, If-Range). "*" matches any existing object.
     */
    static boolean listMatches(ByteBuffer buf, int offset, int length, byte[] etag, boolean weak) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            i = skipSpaceAndCommas(buf, i, end);
            if (i >= end) {
                break;
            }
            if (buf.get(i) == '*') {
                return true;
            }
            boolean isWeak = false;
            if (buf.get(i) == 'W' && i + 1 < end && buf.get(i + 1) == '/') {
                isWeak = true;
                i += 2;
            }
            if (i >= end || buf.get(i) != '"') {
                return false; // malformed list: treat as no match
            }
            int close = i + 1;
            while (close < end && buf.get(close) != '"') {
                close++;
            }
            if (close >= end) {
                return false;
            }
            int tagLen = close + 1 - i;
            if ((!isWeak || weak) && tagLen == etag.length && regionEquals(buf, i, etag)) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }

    /** True when the value is an entity tag (rather than an HTTP-date), as If-Range allows either. */
    static boolean looksLikeTag(ByteBuffer buf, int offset, int length) {
        int s = skipSpace(buf, offset, offset + length);
        return s < offset + length && (buf.get(s) == '"' || buf.get(s) == 'W');
    }

    private static boolean regionEquals(ByteBuffer buf, int at, byte[] expected) {
        for (int k = 0; k < expected.length; k++) {
            if (buf.get(at + k) != expected[k]) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(ByteBuffer buf, int i, int end) {
        while (i < end && (buf.get(i) == ' ' || buf.get(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int skipSpaceAndCommas(ByteBuffer buf, int i, int end) {
        while (i < end && (buf.get(i) == ' ' || buf.get(i) == '\t' || buf.get(i) == ',')) {
            i++;
        }
        return i;
    }
}
