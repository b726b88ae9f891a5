package atlas.http;

import java.nio.ByteBuffer;

/**
 * Incremental decoder of the chunked transfer coding (RFC 9112 §7.1). Decoding may run in place: the data
 * bytes are moved down within the same buffer, over the chunk framing, so a body can be received straight into
 * the buffer that will be written to disk.
 * <pre>
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 *         hex digit                       CR       LF (size &gt; 0)
 *   SIZE ----------&gt; SIZE ---;---&gt; EXT ----&gt; SIZE_LF ----------&gt; DATA --n bytes--&gt; DATA_CR --CR--&gt; DATA_LF
 *     ^   SP/HT: SIZE_WS (then ';' only)         | LF (size 0)                                       |LF
 *     +------------------------------------------|---------------------------------------------------+
 *                                                v
 *   TRAILER_START --CR--&gt; TRAILER_END_LF --LF--&gt; COMPLETE
 *         | other                      ^
 *         v                            |
 *   TRAILER_LINE --CR--&gt; TRAILER_LINE_LF --LF--&gt; TRAILER_START
 * </pre>
 * Every line of the framing must end in CRLF: a bare LF, or a CR not followed by LF, is malformed. RFC 9112 §2.2
 * lets a recipient take a bare LF as a line end in the start-line and header fields (the request parser does), but
 * the chunked grammar (§7.1) says CRLF, and here leniency is a smuggling vector: a proxy in front that reads
 * {@code "2;x
ab"} as one extension up to the next CRLF and a server that ends the size line at the LF disagree on
 * where the body ends, and the bytes between become a request only one of them saw ("funky chunks").
 * Each source byte yields at most one output byte and output never runs ahead of input, so with
 * {@code dst == src} and {@code dstPos <= from} the write index stays at or below the read index: the
 * overlapping copy is a memmove towards lower addresses, which {@link ByteBuffer#put(int, ByteBuffer, int, int)}
 * performs correctly for the same buffer.
 */
public final class ChunkedDecoder {
    /** Returned by {@link #decode} for malformed framing (answer 400 and close). */
    public static final int MALFORMED = -1;

    /** 15 hex digits is 2^60 - 1 bytes: no overflow in a long, far beyond any body limit. */
    static final int MAX_SIZE_DIGITS = 15;
    /** Extensions are ignored; the bound stops a peer streaming an endless size line at us. */
    static final int MAX_EXTENSION_BYTES = 4 * 1024;
    /** Trailer fields are skipped (RFC 9112 §7.1.2 lets a recipient discard them); bounded for the same reason. */
    static final int MAX_TRAILER_BYTES = 8 * 1024;

    private static final int SIZE = 0;
    private static final int SIZE_WS = 1;
    private static final int EXT = 2;
    private static final int SIZE_LF = 3;
    private static final int DATA = 4;
    private static final int DATA_CR = 5;
    private static final int DATA_LF = 6;
    private static final int TRAILER_START = 7;
    private static final int TRAILER_LINE = 8;
    private static final int TRAILER_LINE_LF = 9;
    private static final int TRAILER_END_LF = 10;
    private static final int COMPLETE = 11;

    private int state;
    private long chunkRemaining;
    private int sizeDigits;
    private int extensionBytes;
    private int trailerBytes;
    private int produced;

    public ChunkedDecoder() {
        reset();
    }

    public void reset() {
        state = SIZE;
        chunkRemaining = 0;
        sizeDigits = 0;
        extensionBytes = 0;
        trailerBytes = 0;
        produced = 0;
    }

    /**
     * Decodes {@code src[from, to)}, writing data bytes to {@code dst} from {@code dstPos} up to {@code dstLimit}
     * (absolute indices; positions and limits of the buffers are not used). {@code dst} may be {@code src} when
     * {@code dstPos <= from}. Stops when the input is exhausted, when dst is full, or when the body is complete.
     * Returns the number of src bytes consumed, or {@link #MALFORMED}. {@link #produced()} tells how many data
     * bytes the call wrote.
     */
    public int decode(ByteBuffer src, int from, int to, ByteBuffer dst, int dstPos, int dstLimit) {
        produced = 0;
        int i = from;
        int out = dstPos;
        while (i < to && state != COMPLETE) {
            if (state == DATA) {
                int n = (int) Math.min(chunkRemaining, Math.min(to - i, dstLimit - out));
                if (n <= 0) {
                    break; // dst is full
                }
                dst.put(out, src, i, n);
                out += n;
                i += n;
                chunkRemaining -= n;
                if (chunkRemaining == 0) {
                    state = DATA_CR;
                }
                continue;
            }
            if (!step(src.get(i))) {
                produced = out - dstPos;
                return MALFORMED;
            }
            i++;
        }
        produced = out - dstPos;
        return i - from;
    }

    /** Data bytes written by the last {@link #decode} call. */
    public int produced() {
        return produced;
    }

    /** True once the last chunk and the trailer section have been consumed. */
    public boolean isComplete() {
        return state == COMPLETE;
    }

    /** Advances the framing state machine by one byte; false when the byte is not allowed here. */
    private boolean step(byte b) {
        switch (state) {
            case SIZE -> {
                int digit = hexValue(b);
                if (digit >= 0) {
                    if (++sizeDigits > MAX_SIZE_DIGITS) {
                        return false;
                    }
                    chunkRemaining = chunkRemaining << 4 | digit;
                    return true;
                }
                if (sizeDigits == 0) {
                    return false; // empty chunk-size
                }
                return switch (b) {
                    case ';' -> enter(EXT);
                    case ' ', '\t' -> enter(SIZE_WS); // BWS before ';' (§7.1.1)
                    case '\r' -> enter(SIZE_LF);
                    default -> false;
                };
            }
            case SIZE_WS -> {
                return b == ' ' || b == '\t' || b == ';' && enter(EXT);
            }
            case EXT -> {
                if (b == '\r') {
                    return enter(SIZE_LF);
                }
                if (b == '\n') {
                    return false; // a bare LF: see the class comment
                }
                // Extension content is ignored, but control bytes in it are never legitimate.
                return ++extensionBytes <= MAX_EXTENSION_BYTES && (b >= 0x20 || b < 0 || b == '\t') && b != 0x7F;
            }
            case SIZE_LF -> {
                return b == '\n' && endSizeLine();
            }
            case DATA_CR -> {
                return b == '\r' && enter(DATA_LF);
            }
            case DATA_LF -> {
                return b == '\n' && enter(SIZE);
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    return enter(TRAILER_END_LF);
                }
                return b != '\n' && countTrailer() && enter(TRAILER_LINE);
            }
            case TRAILER_LINE -> {
                if (!countTrailer()) {
                    return false;
                }
                return b == '\r' ? enter(TRAILER_LINE_LF) : b != '\n';
            }
            case TRAILER_LINE_LF -> {
                return b == '\n' && countTrailer() && enter(TRAILER_START);
            }
            case TRAILER_END_LF -> {
                return b == '\n' && enter(COMPLETE);
            }
            default -> {
                return false;
            }
        }
    }

    private boolean endSizeLine() {
        sizeDigits = 0;
        extensionBytes = 0;
        return enter(chunkRemaining == 0 ? TRAILER_START : DATA);
    }

    private boolean countTrailer() {
        return ++trailerBytes <= MAX_TRAILER_BYTES;
    }

    private boolean enter(int next) {
        state = next;
        return true;
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
