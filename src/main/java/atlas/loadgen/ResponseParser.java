package atlas.loadgen;

import java.nio.ByteBuffer;

/**
 * Incremental HTTP/1.1 response parser for the load generator: fed whatever a read returned, it stops exactly at
 * the end of one response, counts body bytes by moving the buffer's position (never copying them) and keeps no
 * reference to the buffer, so one read buffer serves every connection of a worker.
 * <pre>
 *   STATUS_LINE ──LF──▶ HEADER_START ──name──▶ HEADER_NAME ──:──▶ HEADER_VALUE ──LF──▶ HEADER_START
 *                            │ empty line
 *                            ▼
 *        1xx (not 101): back to STATUS_LINE (interim response)
 *        HEAD, 204, 304 or Content-Length: 0 ───────────────────────────────────────────▶ COMPLETE
 *        Content-Length: n ──▶ BODY_FIXED (skip n bytes) ──────────────────────────────▶ COMPLETE
 *        Transfer-Encoding: …chunked ──▶ CHUNK_SIZE ─[;ext]─LF─▶ CHUNK_DATA ─▶ CHUNK_DATA_END ─▶ CHUNK_SIZE
 *                                             │ size 0
 *                                             ▼
 *                                          TRAILER (lines until an empty one) ────────▶ COMPLETE
 *        neither ──▶ BODY_UNTIL_CLOSE (complete at end of stream, see {@link #endOfStream()})
 * </pre>
 * Bare LF is accepted where CRLF is expected (lenient, as most clients are). Ambiguous or unbounded framing is
 * refused ({@link #MALFORMED}): two different Content-Length values, a non-numeric length, a chunk size beyond
 * 2^60, headers over {@link #MAX_HEADER_BYTES}. Results are sentinels, not exceptions: a malformed response is
 * an expected outcome that closes one connection and is counted.
 */
final class ResponseParser {
    /** More bytes are needed; everything given was consumed. */
    static final int NEED_MORE = 0;
    /** One response ended; the buffer's position is at the first byte after it. */
    static final int COMPLETE = 1;
    /** Not a response we can frame; the connection must be closed. */
    static final int MALFORMED = -1;

    /** Status line plus headers; a server sending more is broken or not HTTP. */
    static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int NAME_CAPACITY = 32;
    private static final int VALUE_CAPACITY = 128;
    private static final long MAX_CHUNK_SIZE = 1L << 60;
    private static final int SCRATCH_BYTES = 512;

    private enum State {
        STATUS_PREFIX, STATUS_VERSION_MINOR, STATUS_SP, STATUS_CODE, STATUS_REASON,
        HEADER_START, HEADER_NAME, HEADER_VALUE_LEADING_WS, HEADER_VALUE, HEADERS_END_LF,
        BODY_FIXED, BODY_UNTIL_CLOSE,
        CHUNK_SIZE, CHUNK_EXT, CHUNK_SIZE_LF, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF,
        TRAILER_START, TRAILER_LINE, TRAILER_END_LF,
        DONE, FAILED
    }

    private static final byte[] HTTP_PREFIX = {'H', 'T', 'T', 'P', '/', '1', '.'};
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private final byte[] name = new byte[NAME_CAPACITY];
    private final byte[] value = new byte[VALUE_CAPACITY];
    /** Framing bytes are scanned here; a typical status line and headers fit at once. */
    private final byte[] scratch = new byte[SCRATCH_BYTES];

    private State state;
    private boolean headRequest;
    private int prefixIndex;
    private int minorVersion;
    private int status;
    private int statusDigits;
    private int headerBytes;
    private int nameLength;
    private boolean nameOverflow;
    private int valueLength;
    private boolean valueOverflow;
    private long contentLength;
    private boolean chunked;
    private boolean keepAlive;
    private boolean connectionHeaderSeen;
    private long remaining;
    private int chunkDigits;
    private long bodyBytes;

    ResponseParser() {
        reset(false);
    }

    /** Prepares for the response to the next request; {@code headRequest} responses carry no body. */
    void reset(boolean headRequest) {
        this.headRequest = headRequest;
        state = State.STATUS_PREFIX;
        prefixIndex = 0;
        minorVersion = 0;
        status = 0;
        statusDigits = 0;
        headerBytes = 0;
        contentLength = -1;
        chunked = false;
        keepAlive = true;
        connectionHeaderSeen = false;
        remaining = 0;
        chunkDigits = 0;
        bodyBytes = 0;
    }

    /** Status code of the (final) response; 0 before the status line was read. */
    int status() {
        return status;
    }

    /** Payload bytes of the current response (chunk framing excluded). */
    long bodyBytes() {
        return bodyBytes;
    }

    /** Whether the connection may carry another request after this response. */
    boolean keepAlive() {
        return keepAlive && state != State.BODY_UNTIL_CLOSE;
    }

    /** True once a status line started arriving: an end of stream before it is an idle close, not a torn reply. */
    boolean started() {
        return state != State.STATUS_PREFIX || prefixIndex > 0;
    }

    /**
     * The peer closed the connection: {@link #COMPLETE} when the body was delimited by the close itself,
     * {@link #MALFORMED} when the response was cut short.
     */
    int endOfStream() {
        if (state == State.BODY_UNTIL_CLOSE) {
            state = State.DONE;
            return COMPLETE;
        }
        return state == State.DONE ? COMPLETE : MALFORMED;
    }

    /** Consumes bytes from {@code buf} up to the end of one response at most. */
    int parse(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            switch (state) {
                case BODY_FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, buf.remaining());
                    buf.position(buf.position() + n);
                    remaining -= n;
                    bodyBytes += n;
                    if (remaining == 0) {
                        if (state == State.BODY_FIXED) {
                            state = State.DONE;
                            return COMPLETE;
                        }
                        state = State.CHUNK_DATA_CR;
                    }
                }
                case BODY_UNTIL_CLOSE -> {
                    bodyBytes += buf.remaining();
                    buf.position(buf.limit());
                }
                case DONE -> {
                    return COMPLETE;
                }
                case FAILED -> {
                    return MALFORMED;
                }
                default -> {
                    int result = framingBytes(buf);
                    if (result != NEED_MORE) {
                        return result;
                    }
                }
            }
        }
        return state == State.DONE ? COMPLETE : NEED_MORE;
    }

    /**
     * Status line, headers, chunk framing or trailers, up to the next body bytes or the end of the response. The
     * bytes are fetched with one bulk copy into {@link #scratch} and scanned there: a byte-at-a-time
     * {@code get()} on a direct buffer is a deep call chain until the JIT has compiled it, which made the first
     * seconds of a run measurably slower than wrk. Bodies are never copied.
     */
    private int framingBytes(ByteBuffer buf) {
        int start = buf.position();
        int n = Math.min(buf.remaining(), scratch.length);
        buf.get(start, scratch, 0, n);
        int i = 0;
        int result = NEED_MORE;
        while (i < n && result == NEED_MORE && !inBody()) {
            result = headerByte(scratch[i++]);
        }
        buf.position(start + i);
        return result;
    }

    private boolean inBody() {
        return state == State.BODY_FIXED || state == State.CHUNK_DATA || state == State.BODY_UNTIL_CLOSE;
    }

    /** One byte of status line, headers, chunk framing or trailers. */
    private int headerByte(byte b) {
        if (state.ordinal() <= State.HEADERS_END_LF.ordinal() && ++headerBytes > MAX_HEADER_BYTES) {
            return fail();
        }
        switch (state) {
            case STATUS_PREFIX -> {
                if (b != HTTP_PREFIX[prefixIndex]) {
                    return fail();
                }
                if (++prefixIndex == HTTP_PREFIX.length) {
                    state = State.STATUS_VERSION_MINOR;
                }
            }
            case STATUS_VERSION_MINOR -> {
                if (!isDigit(b)) {
                    return fail();
                }
                minorVersion = b - '0';
                state = State.STATUS_SP;
            }
            case STATUS_SP -> {
                if (b != ' ') {
                    return fail();
                }
                state = State.STATUS_CODE;
            }
            case STATUS_CODE -> {
                if (isDigit(b) && statusDigits < 3) {
                    status = status * 10 + (b - '0');
                    statusDigits++;
                } else if (statusDigits == 3 && (b == ' ' || b == '\r' || b == '\n')) {
                    state = b == '\n' ? State.HEADER_START : State.STATUS_REASON;
                } else {
                    return fail();
                }
            }
            case STATUS_REASON -> {
                if (b == '\n') {
                    state = State.HEADER_START;
                }
            }
            case HEADER_START -> {
                if (b == '\r') {
                    state = State.HEADERS_END_LF;
                } else if (b == '\n') {
                    return headersEnded();
                } else if (b == ' ' || b == '\t' || b == ':') {
                    return fail(); // obsolete line folding or an empty name: refuse rather than guess
                } else {
                    nameLength = 0;
                    nameOverflow = false;
                    appendName(b);
                    state = State.HEADER_NAME;
                }
            }
            case HEADER_NAME -> {
                if (b == ':') {
                    valueLength = 0;
                    valueOverflow = false;
                    state = State.HEADER_VALUE_LEADING_WS;
                } else if (b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                    return fail();
                } else {
                    appendName(b);
                }
            }
            case HEADER_VALUE_LEADING_WS -> {
                if (b == '\n') {
                    return headerEnded();
                } else if (b != ' ' && b != '\t' && b != '\r') {
                    appendValue(b);
                    state = State.HEADER_VALUE;
                }
            }
            case HEADER_VALUE -> {
                if (b == '\n') {
                    return headerEnded();
                } else if (b != '\r') {
                    appendValue(b);
                }
            }
            case HEADERS_END_LF -> {
                if (b != '\n') {
                    return fail();
                }
                return headersEnded();
            }
            case CHUNK_SIZE -> {
                int digit = hexValue(b);
                if (digit >= 0) {
                    remaining = remaining * 16 + digit;
                    if (++chunkDigits > 15 || remaining > MAX_CHUNK_SIZE) {
                        return fail();
                    }
                } else if (chunkDigits == 0) {
                    return fail();
                } else if (b == ';' || b == ' ' || b == '\t') {
                    state = State.CHUNK_EXT;
                } else if (b == '\r') {
                    state = State.CHUNK_SIZE_LF;
                } else if (b == '\n') {
                    return chunkSizeEnded();
                } else {
                    return fail();
                }
            }
            case CHUNK_EXT -> {
                if (b == '\n') {
                    return chunkSizeEnded();
                }
            }
            case CHUNK_SIZE_LF -> {
                if (b != '\n') {
                    return fail();
                }
                return chunkSizeEnded();
            }
            case CHUNK_DATA_CR -> {
                if (b == '\r') {
                    state = State.CHUNK_DATA_LF;
                } else if (b == '\n') {
                    startChunkSize();
                } else {
                    return fail();
                }
            }
            case CHUNK_DATA_LF -> {
                if (b != '\n') {
                    return fail();
                }
                startChunkSize();
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    state = State.TRAILER_END_LF;
                } else if (b == '\n') {
                    return done();
                } else {
                    state = State.TRAILER_LINE;
                }
            }
            case TRAILER_LINE -> {
                if (b == '\n') {
                    state = State.TRAILER_START;
                }
            }
            case TRAILER_END_LF -> {
                if (b != '\n') {
                    return fail();
                }
                return done();
            }
            default -> throw new IllegalStateException("no byte handler for " + state);
        }
        return NEED_MORE;
    }

    private int headerEnded() {
        while (valueLength > 0 && (value[valueLength - 1] == ' ' || value[valueLength - 1] == '\t')) {
            valueLength--;
        }
        state = State.HEADER_START;
        if (nameOverflow) {
            return NEED_MORE; // longer than any header we act on
        }
        if (nameIs(CONTENT_LENGTH)) {
            long length = parseLength();
            if (length < 0 || (contentLength >= 0 && contentLength != length)) {
                return fail();
            }
            contentLength = length;
        } else if (nameIs(TRANSFER_ENCODING)) {
            if (valueOverflow) {
                return fail();
            }
            // The last coding decides the framing; anything else but chunked is read until close (RFC 9112 §6.3).
            chunked = valueEndsWith(CHUNKED);
            if (!chunked) {
                contentLength = -1;
            }
        } else if (nameIs(CONNECTION)) {
            connectionHeaderSeen = true;
            if (valueHasToken(CLOSE)) {
                keepAlive = false;
            } else if (valueHasToken(KEEP_ALIVE)) {
                keepAlive = true;
            }
        }
        return NEED_MORE;
    }

    private int headersEnded() {
        if (minorVersion == 0 && !connectionHeaderSeen) {
            keepAlive = false; // HTTP/1.0 closes unless it says keep-alive
        }
        if (status >= 100 && status < 200 && status != 101) {
            reset(headRequest);
            return NEED_MORE; // interim response: the real one follows
        }
        if (headRequest || status == 204 || status == 304) {
            return done();
        }
        if (chunked) {
            startChunkSize();
            return NEED_MORE;
        }
        if (contentLength >= 0) {
            if (contentLength == 0) {
                return done();
            }
            remaining = contentLength;
            state = State.BODY_FIXED;
            return NEED_MORE;
        }
        keepAlive = false;
        state = State.BODY_UNTIL_CLOSE;
        return NEED_MORE;
    }

    private void startChunkSize() {
        remaining = 0;
        chunkDigits = 0;
        state = State.CHUNK_SIZE;
    }

    private int chunkSizeEnded() {
        state = remaining == 0 ? State.TRAILER_START : State.CHUNK_DATA;
        return NEED_MORE;
    }

    private int done() {
        state = State.DONE;
        return COMPLETE;
    }

    private int fail() {
        state = State.FAILED;
        return MALFORMED;
    }

    private void appendName(byte b) {
        if (nameLength < NAME_CAPACITY) {
            name[nameLength++] = lower(b);
        } else {
            nameOverflow = true;
        }
    }

    private void appendValue(byte b) {
        if (valueLength < VALUE_CAPACITY) {
            value[valueLength++] = b;
        } else {
            valueOverflow = true;
        }
    }

    private boolean nameIs(byte[] expected) {
        if (nameLength != expected.length) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (name[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** Digits only, at most 18 of them; -1 otherwise. */
    private long parseLength() {
        if (valueOverflow || valueLength == 0 || valueLength > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < valueLength; i++) {
            if (!isDigit(value[i])) {
                return -1;
            }
            n = n * 10 + (value[i] - '0');
        }
        return n;
    }

    private boolean valueEndsWith(byte[] token) {
        if (valueLength < token.length) {
            return false;
        }
        int start = valueLength - token.length;
        for (int i = 0; i < token.length; i++) {
            if (lower(value[start + i]) != token[i]) {
                return false;
            }
        }
        return start == 0 || value[start - 1] == ',' || value[start - 1] == ' ' || value[start - 1] == '\t';
    }

    /** Comma-separated, case-insensitive token list membership. */
    private boolean valueHasToken(byte[] token) {
        int i = 0;
        while (i < valueLength) {
            while (i < valueLength && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
                i++;
            }
            int start = i;
            while (i < valueLength && value[i] != ',') {
                i++;
            }
            int end = i;
            while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t')) {
                end--;
            }
            if (end - start == token.length) {
                boolean same = true;
                for (int k = 0; k < token.length && same; k++) {
                    same = lower(value[start + k]) == token[k];
                }
                if (same) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
