package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * Incremental decoder of the chunked transfer coding (RFC 9112 §7.1). Decoding may run in place: the data
 * bytes are moved down within the same buffer, over the chunk framing, so a body can be received straight into
 * the buffer that will be written to disk.
 */
public final class ChunkedDecoder {
    /** Returned by {@link #decode} for malformed framing (answer 400 and close). */
    public static final int MALFORMED = -1;

    public ChunkedDecoder() {
        throw new UnsupportedOperationException("stub");
    }

    public void reset() {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Decodes {@code src[from, to)}, writing data bytes to {@code dst} from {@code dstPos} up to {@code dstLimit}
     * (absolute indices; positions and limits of the buffers are not used). {@code dst} may be {@code src} when
     * {@code dstPos <= from}. Stops when the input is exhausted, when dst is full, or when the body is complete.
     * Returns the number of src bytes consumed, or {@link #MALFORMED}. {@link #produced()} tells how many data
     * bytes the call wrote.
     */
    public int decode(ByteBuffer src, int from, int to, ByteBuffer dst, int dstPos, int dstLimit) {
        throw new UnsupportedOperationException("stub");
    }

    /** Data bytes written by the last {@link #decode} call. */
    public int produced() {
        throw new UnsupportedOperationException("stub");
    }

    /** True once the last chunk and the trailer section have been consumed. */
    public boolean isComplete() {
        throw new UnsupportedOperationException("stub");
    }
}
