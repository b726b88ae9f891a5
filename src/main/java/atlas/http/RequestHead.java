package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * A parsed request head, reused for every request on a connection. Header values are slices (offset, length)
 * into the connection's receive buffer and stay valid only until that buffer is compacted, i.e. until the
 * request is finished. Nothing here allocates while parsing; {@link #value} allocates and is for rare headers.
 */
public final class RequestHead {
    /** Header fields the server acts on; everything else is skipped after syntax checks. */
    public enum Field {
        HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, EXPECT, RANGE, IF_RANGE, IF_MATCH, IF_NONE_MATCH,
        IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE, CONTENT_TYPE, ORIGIN, ACCESS_CONTROL_REQUEST_METHOD, USER_AGENT,
        REFERER
    }

    public Method method() { throw new UnsupportedOperationException("stub"); }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int versionMinor() { throw new UnsupportedOperationException("stub"); }

    /** True for the asterisk-form target "*" (OPTIONS only). */
    public boolean isAsteriskTarget() { throw new UnsupportedOperationException("stub"); }

    /**
     * The target's path, percent-decoded, without the leading '/' and without the query, as bytes in a
     * buffer owned by this head (valid until the next parse). For absolute-form targets the scheme and
     * authority are removed.
     */
    public byte[] pathBytes() { throw new UnsupportedOperationException("stub"); }

    public int pathLength() { throw new UnsupportedOperationException("stub"); }

    /** True when the path ends with '/' (or is empty): a listing request. */
    public boolean pathIsDirectory() { throw new UnsupportedOperationException("stub"); }

    /** Raw query string (after '?', not decoded) or null. Allocates. */
    public String query() { throw new UnsupportedOperationException("stub"); }

    /** Raw request-target as sent (for the access log). Allocates. */
    public String target() { throw new UnsupportedOperationException("stub"); }

    public boolean has(Field f) { throw new UnsupportedOperationException("stub"); }

    /** Offset of the field's value (trimmed of OWS) in the receive buffer; -1 when absent. */
    public int valueOffset(Field f) { throw new UnsupportedOperationException("stub"); }

    public int valueLength(Field f) { throw new UnsupportedOperationException("stub"); }

    /** The field's value as a string, or null when absent (allocates: control path only). */
    public String value(Field f) { throw new UnsupportedOperationException("stub"); }

    /** The buffer the value slices point into. */
    public ByteBuffer buffer() { throw new UnsupportedOperationException("stub"); }

    /** Declared body length; -1 when there is no Content-Length. */
    public long contentLength() { throw new UnsupportedOperationException("stub"); }

    /** True for "Transfer-Encoding: chunked" (the only coding accepted; others are refused at parse time). */
    public boolean isChunked() { throw new UnsupportedOperationException("stub"); }

    /** True when the request has a body to read (chunked, or Content-Length greater than 0). */
    public boolean hasBody() { throw new UnsupportedOperationException("stub"); }

    /** True for "Expect: 100-continue". */
    public boolean expectsContinue() { throw new UnsupportedOperationException("stub"); }

    /** Persistence per RFC 9112 §9.3: 1.1 unless "Connection: close"; 1.0 only with "Connection: keep-alive". */
    public boolean keepAlive() { throw new UnsupportedOperationException("stub"); }

    /** True when the ASCII value of {@code f} equals {@code expected} byte for byte (e.g. an ETag). */
    public boolean valueEquals(Field f, byte[] expected) { throw new UnsupportedOperationException("stub"); }
}
