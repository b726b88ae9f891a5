package atlas.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A parsed request head, reused for every request on a connection. Header values are slices (offset, length)
 * into the connection's receive buffer and stay valid only until that buffer is compacted, i.e. until the
 * request is finished. Nothing here allocates while parsing; {@link #value} allocates and is for rare headers.
 * <p>
 * When a field of a kind the server acts on is repeated, the first value is kept, except: Host (a duplicate is
 * refused), Content-Length (duplicates must agree), Transfer-Encoding (a duplicate is refused), and the list
 * fields Connection and Expect, whose every instance is honoured (RFC 9110 §5.3 combines them).
 */
public final class RequestHead {
    /** Header fields the server acts on; everything else is skipped after syntax checks. */
    public enum Field {
        HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, EXPECT, RANGE, IF_RANGE, IF_MATCH, IF_NONE_MATCH,
        IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE, CONTENT_TYPE, ORIGIN, ACCESS_CONTROL_REQUEST_METHOD, USER_AGENT,
        REFERER, AUTHORIZATION, COOKIE,
        /** Only to refuse it: a PUT with Content-Range is partial content sent as a whole (RFC 9110 §9.3.4). */
        CONTENT_RANGE,
        /** Only to refuse a coded PUT body: objects are stored and served as sent, with no coding recorded. */
        CONTENT_ENCODING,
        /** A signed-URL token in a header of its own, named as Akamai's default token. */
        HDNTS,
        /** Marks an edge's own upload of what it fetched from its upstream ({@code atlas.fill}); loopback only. */
        ATLAS_FILL,
        /** With {@link #ATLAS_FILL}: the upload (or delete) is that slice of the object ({@code atlas.fill.SliceLayout}). */
        ATLAS_SLICE;

        /** Lower-case wire name, e.g. "content-length". */
        final byte[] wireName = name().toLowerCase(Locale.ROOT).replace('_', '-')
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static final Field[] FIELDS = Field.values();

    Method method = Method.OTHER;
    int versionMinor;
    boolean asteriskTarget;
    byte[] path;
    int pathLength;
    ByteBuffer buffer;
    int targetOffset;
    int targetLength;
    int queryOffset = -1;
    int queryLength;
    /** A signed-URL token carried as the target's first segment ({@code /hdnts=…}): raw offset, or -1. */
    int pathTokenOffset = -1;
    int pathTokenLength;
    final int[] valueOffsets = new int[FIELDS.length];
    final int[] valueLengths = new int[FIELDS.length];
    long contentLength = -1;
    boolean chunked;
    boolean expectsContinue;
    boolean connectionClose;
    boolean connectionKeepAlive;

    /** A head for requests within {@link HttpLimits#DEFAULTS}. */
    public RequestHead() {
        this(HttpLimits.DEFAULTS);
    }

    /** Decoded-path bytes a head starts with; the parser grows them for a longer request target. */
    static final int INITIAL_PATH_BYTES = 256;

    /** A head for requests within {@code limits}: its path buffer grows with the longest target seen. */
    public RequestHead(HttpLimits limits) {
        path = new byte[Math.min(INITIAL_PATH_BYTES, limits.maxRequestLineBytes())];
        clear();
    }

    /** Forgets the previous request; the parser calls it when it starts a new head. */
    void clear() {
        method = Method.OTHER;
        versionMinor = 0;
        asteriskTarget = false;
        pathLength = 0;
        buffer = null;
        targetOffset = 0;
        targetLength = 0;
        queryOffset = -1;
        queryLength = 0;
        pathTokenOffset = -1;
        pathTokenLength = 0;
        Arrays.fill(valueOffsets, -1);
        Arrays.fill(valueLengths, 0);
        contentLength = -1;
        chunked = false;
        expectsContinue = false;
        connectionClose = false;
        connectionKeepAlive = false;
    }

    public Method method() {
        return method;
    }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int versionMinor() {
        return versionMinor;
    }

    /** True for the asterisk-form target "*" (OPTIONS only). */
    public boolean isAsteriskTarget() {
        return asteriskTarget;
    }

    /**
     * The target's path, percent-decoded, without the leading '/' and without the query, as bytes in a
     * buffer owned by this head (valid until the next parse). For absolute-form targets the scheme and
     * authority are removed.
     */
    public byte[] pathBytes() {
        return path;
    }

    public int pathLength() {
        return pathLength;
    }

    /** True when the path ends with '/' (or is empty): a listing request. */
    public boolean pathIsDirectory() {
        return pathLength == 0 || path[pathLength - 1] == '/';
    }

    /** Bytes of the raw query after '?', or -1 without one (no allocation, unlike {@link #query()}). */
    public int queryLength() {
        return queryOffset < 0 ? -1 : queryLength;
    }

    /** Where the raw query starts in {@link #buffer()} (after '?'), or -1 without one. */
    public int queryOffset() {
        return queryOffset;
    }

    /** Raw query string (after '?', not decoded) or null. Allocates. */
    public String query() {
        return queryOffset < 0 ? null : string(queryOffset, queryLength);
    }

    /** Raw request-target as sent (for the access log). Allocates. */
    public String target() {
        return buffer == null ? null : string(targetOffset, targetLength);
    }

    /**
     * The raw first segment of the target when it carried a signed-URL token ({@code /hdnts=…}, see
     * {@link RequestParser#RequestParser(HttpLimits, String)}), copied; null without one. The path excludes it.
     */
    public byte[] pathTokenSegment() {
        if (pathTokenOffset < 0) {
            return null;
        }
        byte[] raw = new byte[pathTokenLength];
        buffer.get(pathTokenOffset, raw);
        return raw;
    }

    public boolean has(Field f) {
        return valueOffsets[f.ordinal()] >= 0;
    }

    /** Offset of the field's value (trimmed of OWS) in the receive buffer; -1 when absent. */
    public int valueOffset(Field f) {
        return valueOffsets[f.ordinal()];
    }

    public int valueLength(Field f) {
        return valueLengths[f.ordinal()];
    }

    /** True when the field is present and its value is exactly {@code ascii}, byte for byte (no allocation). */
    public boolean valueIs(Field f, String ascii) {
        int offset = valueOffsets[f.ordinal()];
        if (offset < 0 || valueLengths[f.ordinal()] != ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (buffer.get(offset + i) != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The field's value as a string, or null when absent (allocates: control path only). */
    public String value(Field f) {
        int offset = valueOffsets[f.ordinal()];
        return offset < 0 ? null : string(offset, valueLengths[f.ordinal()]);
    }

    /** The buffer the value slices point into. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Declared body length; -1 when there is no Content-Length. */
    public long contentLength() {
        return contentLength;
    }

    /** True for "Transfer-Encoding: chunked" (the only coding accepted; others are refused at parse time). */
    public boolean isChunked() {
        return chunked;
    }

    /** True when the request has a body to read (chunked, or Content-Length greater than 0). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** True for "Expect: 100-continue" in an HTTP/1.1 request (RFC 9110 §10.1.1: ignored in HTTP/1.0). */
    public boolean expectsContinue() {
        return expectsContinue;
    }

    /** Persistence per RFC 9112 §9.3: 1.1 unless "Connection: close"; 1.0 only with "Connection: keep-alive". */
    public boolean keepAlive() {
        if (connectionClose) {
            return false;
        }
        return versionMinor >= 1 || connectionKeepAlive;
    }

    /** True when the ASCII value of {@code f} equals {@code expected} byte for byte (e.g. an ETag). */
    public boolean valueEquals(Field f, byte[] expected) {
        int offset = valueOffsets[f.ordinal()];
        if (offset < 0 || valueLengths[f.ordinal()] != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (buffer.get(offset + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The field whose name is at {@code buf[offset, offset+length)} (case-insensitive), or null. */
    static Field lookup(ByteBuffer buf, int offset, int length) {
        for (Field f : FIELDS) {
            byte[] name = f.wireName;
            if (name.length == length && equalsIgnoreCase(buf, offset, name)) {
                return f;
            }
        }
        return null;
    }

    /** ASCII case-insensitive comparison against a lower-case literal. */
    static boolean equalsIgnoreCase(ByteBuffer buf, int offset, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            byte b = buf.get(offset + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private String string(int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.get(offset, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
