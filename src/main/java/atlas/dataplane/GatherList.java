package atlas.dataplane;

/**
 * The pieces of one gathered send, all inside one {@link IoBuffer}: {@code (offset, length)} pairs sent in order
 * as if they were contiguous. Used where the bytes to send cannot sit next to each other, e.g. TLS records whose
 * payload is encrypted where the disk read put it while headers and tags live in the buffer's
 * {@link IoBuffer#RECORD_AREA record area}.
 * <p>
 * Owned by its filler; handed to {@link Transport#sendGather} and untouched until {@code onSent}. An engine may
 * consume it (a short send advances the first pieces) — the owner refills it from {@link #clear()} each time.
 * Plain int arrays: filling one allocates nothing.
 */
public final class GatherList {
    /** Most pieces in one send: a 256 KiB chunk in 16 KiB TLS records needs 2 × 17 + 2. */
    public static final int MAX_PIECES = 48;

    private final int[] offsets = new int[MAX_PIECES];
    private final int[] lengths = new int[MAX_PIECES];
    private int first;
    private int count;

    public GatherList clear() {
        first = 0;
        count = 0;
        return this;
    }

    /** Appends {@code [offset, offset + length)}; merges it into the last piece when they touch. */
    public GatherList add(int offset, int length) {
        if (length == 0) {
            return this;
        }
        int last = first + count - 1;
        if (count > 0 && offsets[last] + lengths[last] == offset) {
            lengths[last] += length;
            return this;
        }
        if (first + count == MAX_PIECES) {
            throw new IllegalStateException("more than " + MAX_PIECES + " pieces in one gathered send");
        }
        offsets[first + count] = offset;
        lengths[first + count] = length;
        count++;
        return this;
    }

    /** Pieces not yet consumed. */
    public int count() {
        return count;
    }

    public int offset(int i) {
        return offsets[first + i];
    }

    public int length(int i) {
        return lengths[first + i];
    }

    /** Bytes in the pieces not yet consumed. */
    public long remaining() {
        long n = 0;
        for (int i = first; i < first + count; i++) {
            n += lengths[i];
        }
        return n;
    }

    /** Drops the first {@code bytes} (after a short send), splitting a piece if the send ended inside it. */
    public void consume(long bytes) {
        while (bytes > 0 && count > 0) {
            if (bytes < lengths[first]) {
                offsets[first] += (int) bytes;
                lengths[first] -= (int) bytes;
                return;
            }
            bytes -= lengths[first];
            first++;
            count--;
        }
    }
}
