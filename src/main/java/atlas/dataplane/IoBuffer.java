package atlas.dataplane;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One block-aligned, off-heap I/O buffer from a core's {@link BufferPool}: the diskmap-style buffer that a disk
 * read lands in and the socket sends from, without a copy in between.
 * <p>
 * Ownership: exactly one owner at a time. {@link BufferPool#acquire} hands it to a connection, the connection
 * hands it back with {@link BufferPool#release}. The {@link ByteBuffer} view's position and limit belong to the
 * current owner; engines use absolute offsets only.
 *
 * <pre>
 *   0                 HEADROOM                                          capacity
 *   +-----------------+--------------------------------------------------+
 *   | headroom        | data area: O_DIRECT reads/writes land here,       |
 *   | (response head, | block aligned                                     |
 *   |  part headers)  |                                                   |
 *   +-----------------+--------------------------------------------------+
 * </pre>
 * The headroom lets a response head (or, later, a TLS record header) sit immediately before the first body
 * byte, so head and body leave in one send.
 */
public final class IoBuffer {
    /** Bytes before the data area; a multiple of the block size so the data area stays aligned. */
    public static final int HEADROOM = 4096;

    private final MemorySegment segment;
    private final ByteBuffer byteBuffer;

    IoBuffer(MemorySegment segment) {
        this.segment = segment;
        this.byteBuffer = segment.asByteBuffer();
    }

    public MemorySegment segment() {
        return segment;
    }

    /** A view over the whole buffer; use absolute indices. */
    public ByteBuffer byteBuffer() {
        return byteBuffer;
    }

    public int capacity() {
        return (int) segment.byteSize();
    }

    /** Bytes in the data area (capacity minus headroom), a multiple of the block size. */
    public int dataCapacity() {
        return capacity() - HEADROOM;
    }
}
