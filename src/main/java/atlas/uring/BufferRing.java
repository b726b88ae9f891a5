package atlas.uring;

import static atlas.uring.IoUringConstants.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19+): buffers the kernel picks from when a request carries
 * IOSQE_BUFFER_SELECT, as multishot RECV does. Instead of one buffer parked per idle connection, a core lends from
 * one pool only when data actually arrives.
 * <pre>
 *   ring memory: entries x struct io_uring_buf (16 bytes), page aligned, shared with the kernel
 *  +----------------------+----------------------+-----+
 *  | addr len bid [tail]  | addr len bid resv    | ... |    the u16 tail overlays entry 0's resv
 *  +----------------------+----------------------+-----+
 *   we produce at tail (add + publish), the kernel consumes at its private head
 * </pre>
 * Protocol: {@link #add} buffers (plain stores), then {@link #publish()} once per batch — a release store of the
 * tail, so the kernel (which reads the tail with acquire) sees complete entries. A CQE with IORING_CQE_F_BUFFER
 * hands buffer {@link #bufferId(int) bufferId(flags)} to the application; it goes back with {@code add} when
 * done. At most {@code entries} buffers may be in the ring at once: the application only re-adds buffers it was
 * given back, so keeping at most {@code entries} distinct buffer ids guarantees that.
 * <p>
 * Same thread confinement as its {@link IoUring}; the ring memory is freed with the io_uring.
 */
public final class BufferRing {
    private final IoUring ring;
    private final int groupId;
    private final int entries;
    private final int mask;
    private final MemorySegment memory;
    /** Tail as last published. */
    private int tail;
    /** Entries added since the last publish. */
    private int staged;
    private boolean unregistered;

    BufferRing(IoUring ring, int groupId, int entries) throws IoUringException {
        if (entries < 1 || entries > BUF_RING_MAX_ENTRIES || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries " + entries + " is not a power of two in 1.."
                    + BUF_RING_MAX_ENTRIES);
        }
        if (groupId < 0 || groupId > 0xffff) {
            throw new IllegalArgumentException("buffer group " + groupId + " outside 0..65535");
        }
        this.ring = ring;
        this.groupId = groupId;
        this.entries = entries;
        this.mask = entries - 1;
        this.memory = ring.arena().allocate((long) entries * BUF_SIZE, 4096);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment reg = scratch.allocate(BUF_REG_SIZE, 8);
            reg.set(ValueLayout.JAVA_LONG, BUF_REG_RING_ADDR, memory.address());
            reg.set(ValueLayout.JAVA_INT, BUF_REG_RING_ENTRIES, entries);
            reg.set(ValueLayout.JAVA_SHORT, BUF_REG_BGID, (short) groupId);
            ring.register(IORING_REGISTER_PBUF_RING, reg.address(), 1);
        }
    }

    public int groupId() {
        return groupId;
    }

    public int entries() {
        return entries;
    }

    /** The provided-buffer id carried in a CQE's flags (valid when IORING_CQE_F_BUFFER is set). */
    public static int bufferId(int cqeFlags) {
        return cqeFlags >>> IORING_CQE_BUFFER_SHIFT;
    }

    /** Stages buffer {@code bufferId} = {@code [address, address + length)}; the kernel sees it after publish. */
    public void add(long address, int length, int bufferId) {
        if (staged == entries) {
            throw new IllegalStateException("more than " + entries + " buffers staged in group " + groupId);
        }
        long entry = (long) ((tail + staged) & mask) * BUF_SIZE;
        memory.set(ValueLayout.JAVA_LONG, entry + BUF_ADDR, address);
        memory.set(ValueLayout.JAVA_INT, entry + BUF_LEN, length);
        memory.set(ValueLayout.JAVA_SHORT, entry + BUF_BID, (short) bufferId);
        staged++;
    }

    public void add(MemorySegment buffer, int bufferId) {
        add(buffer.address(), Math.toIntExact(buffer.byteSize()), bufferId);
    }

    /** Makes staged buffers visible to the kernel: one release store of the u16 tail. */
    public void publish() {
        if (staged == 0) {
            return;
        }
        tail += staged;
        staged = 0;
        RingMemory.putShortRelease(memory, BUF_RING_TAIL, (short) tail);
    }

    /** Unregisters the group (IORING_UNREGISTER_PBUF_RING). Closing the io_uring does it too. */
    public void unregister() throws IoUringException {
        if (unregistered) {
            return;
        }
        unregistered = true;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment reg = scratch.allocate(BUF_REG_SIZE, 8);
            reg.set(ValueLayout.JAVA_SHORT, BUF_REG_BGID, (short) groupId);
            ring.register(IORING_UNREGISTER_PBUF_RING, reg.address(), 1);
        }
    }
}
