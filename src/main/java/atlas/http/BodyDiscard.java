package atlas.http;

/**
 * Reads past a request body the server will not use — a PUT refused with 401, 403 or 429 — so that the connection
 * stays usable for the client's next request (curl retrying with credentials, an encoder's next segment) instead of
 * being closed. Fixed-length and chunked bodies alike; at most {@link #MAX_BYTES} are read, beyond that the caller
 * answers and closes (a stranger does not get to make us read gigabytes for nothing).
 * <p>
 * Works in the connection's receive buffer: consumed bytes are dropped as they come. One per connection, reused;
 * the core's thread only.
 */
public final class BodyDiscard {
    /** Bodies larger than this are not read through: the connection closes after the answer. */
    public static final long MAX_BYTES = 1L << 20;
    public static final int DONE = 0;
    public static final int NEED_MORE = 1;
    public static final int MALFORMED = 2;

    private final ChunkedDecoder chunked = new ChunkedDecoder();
    private boolean isChunked;
    private long remaining;
    private long consumed;

    /** True when a body of this head is small enough (or of unknown size: chunked) to read through. */
    public static boolean worthReading(RequestHead head) {
        return head.isChunked() || (head.contentLength() >= 0 && head.contentLength() <= MAX_BYTES);
    }

    public void begin(RequestHead head) {
        isChunked = head.isChunked();
        remaining = isChunked ? Long.MAX_VALUE : Math.max(0, head.contentLength());
        consumed = 0;
        chunked.reset();
    }

    /**
     * Drops what {@code received} holds of the body.
     *
     * @return {@link #DONE} (what follows in the buffer is the next request), {@link #NEED_MORE}, or
     *         {@link #MALFORMED} (bad chunked framing, or more than {@link #MAX_BYTES}: close after answering)
     */
    public int consume(ReceiveBuffer received) {
        int available = received.available();
        if (isChunked) {
            int start = received.start();
            // Decoded in place: the decoder writes data bytes at or behind where it reads, and we keep none.
            int used = chunked.decode(received.buffer(), start, received.end(), received.buffer(), start,
                    received.end());
            if (used == ChunkedDecoder.MALFORMED) {
                return MALFORMED;
            }
            received.consume(used);
            consumed += used;
            if (chunked.isComplete()) {
                return DONE;
            }
        } else {
            int n = (int) Math.min(available, remaining);
            received.consume(n);
            remaining -= n;
            consumed += n;
            if (remaining == 0) {
                return DONE;
            }
        }
        return consumed > MAX_BYTES ? MALFORMED : NEED_MORE;
    }
}
