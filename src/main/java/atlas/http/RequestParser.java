package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * Incremental HTTP/1.1 request-head parser (RFC 9112 §2-§7). Strict where leniency enables smuggling
 * (both Content-Length and Transfer-Encoding, differing Content-Lengths, whitespace before the colon,
 * obs-fold, bare CR) and tolerant where it does not (bare LF line ends, empty lines before the request line).
 */
public final class RequestParser {
    /** Returned while the head is incomplete. */
    public static final int NEED_MORE = 0;

    public RequestParser(HttpLimits limits) {
        throw new UnsupportedOperationException("stub");
    }

    /** Forgets any partial scan; call before parsing a new request. */
    public void reset() {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Parses the head at {@code buf[start, end)} (absolute indices; the buffer's position and limit are not used or
     * changed). Returns the head's length in bytes (&gt; 0) when complete, with {@code head} filled in;
     * {@link #NEED_MORE} when more bytes are needed; or a negative HTTP status (-400, -414, -431, -501, -505)
     * when the request must be refused. Remembers how far it scanned, so repeated calls on a growing region
     * are linear overall.
     */
    public int parse(ByteBuffer buf, int start, int end, RequestHead head) {
        throw new UnsupportedOperationException("stub");
    }
}
