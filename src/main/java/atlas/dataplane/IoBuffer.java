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
 * The headroom lets a response head sit immediately before the first body byte, so head and body leave in one
 * send. Its low part belongs to the transport while a body is being sent ({@link Transport#sendBody}):
 * <pre>
 *   0            GATHER_AREA        BODY_SEND_MIN              HEADROOM
 *   +------------+------------------+--------------------------+------------------ ...
 *   | engine:    | TLS: record      | response head / part     | data area
 *   | msghdr,    | headers, tags,   | header, right before     |
 *   | iovecs     | alerts           | the first body byte      |
 *   +------------+------------------+--------------------------+------------------ ...
 * </pre>
 */
public final class IoBuffer {
    /** Bytes before the data area; a multiple of the block size so the data area stays aligned. */
    public static final int HEADROOM = 4096;
    /** Bytes at the start the engine may use for a gathered send's descriptors (msghdr + iovecs). */
    public static final int GATHER_AREA = 1024;
    /** Start of the bytes a TLS transport uses for record headers and trailers around in-place payloads. */
    public static final int RECORD_AREA = GATHER_AREA;
    /** Lowest offset a body handed to {@link Transport#sendBody} may start at. */
    public static final int BODY_SEND_MIN = 2048;

    private final MemorySegment segment;
    private final ByteBuffer byteBuffer;
    /** Index of this buffer in its pool's slab (= its io_uring registered-buffer index there), or -1. */
    private final int slot;
    /** Views for the NIO engine's gathering writes, made on first use and reused (position/limit per send). */
    private ByteBuffer[] gatherViews;

    IoBuffer(MemorySegment segment, int slot) {
        this.segment = segment;
        this.byteBuffer = segment.asByteBuffer();
        this.slot = slot;
    }

    /** Index of this buffer in its pool's slab, or -1 when it was allocated on its own. */
    public int slot() {
        return slot;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** A view over the whole buffer; use absolute indices. */
    public ByteBuffer byteBuffer() {
        return byteBuffer;
    }

    /** {@code count} reusable views of this buffer for a gathering write (the NIO engine's; its thread only). */
    ByteBuffer[] gatherViews(int count) {
        if (gatherViews == null || gatherViews.length < count) {
            gatherViews = new ByteBuffer[GatherList.MAX_PIECES];
            for (int i = 0; i < gatherViews.length; i++) {
                gatherViews[i] = byteBuffer.duplicate();
            }
        }
        return gatherViews;
    }

    public int capacity() {
        return (int) segment.byteSize();
    }

    /** Bytes in the data area (capacity minus headroom), a multiple of the block size. */
    public int dataCapacity() {
        return capacity() - HEADROOM;
    }
}
