package atlas.dataplane;

import atlas.uring.IoUring;
import atlas.uring.IoUringConstants;
import atlas.uring.IoUringException;

/**
 * Which of a core's I/O buffers the kernel has pinned as io_uring fixed buffers, and under which index — so disk
 * reads and writes use READ_FIXED/WRITE_FIXED and sends from them SEND_ZC with a fixed buffer, with no per-I/O
 * page pinning (diskmap's pre-mapped buffers).
 * <p>
 * Buffers are registered as they come into use, one slot per buffer in a sparse table (5.19+): the kernel pins
 * only the buffers the load has needed, so an idle server holds no pinned memory and the cap can be generous.
 * On older kernels the whole slab is registered at once as buffer 0 (every page pinned at start-up); when even
 * that is refused (RLIMIT_MEMLOCK without CAP_IPC_LOCK), buffers are used unregistered, with plain READ/WRITE.
 * A buffer whose own registration is refused later is likewise used unregistered; the rest keep their slots.
 * So are buffers beyond the kernel's 16 384-entry table (a cap above 4 GiB per core).
 * <p>
 * Thread: the core's event loop, which owns both the ring and the pool.
 */
final class RegisteredBuffers implements BufferPool.GrowthListener {
    /** The index io_uring ops take when a buffer is not registered: plain ops must be used instead. */
    static final int NOT_REGISTERED = -1;

    private enum Mode { NONE, WHOLE_SLAB, PER_BUFFER }

    private final IoUring ring;
    private final BufferPool pool;
    private final Mode mode;
    private final boolean[] registered;
    private final long slabStart;
    private final long slabEnd;
    private String note;
    private int refused;

    private RegisteredBuffers(IoUring ring, BufferPool pool, Mode mode, String note) {
        this.ring = ring;
        this.pool = pool;
        this.mode = mode;
        this.note = note;
        this.registered = mode == Mode.PER_BUFFER ? new boolean[tableSize(pool)] : null;
        this.slabStart = pool.slab() == null ? 0 : pool.slab().address();
        this.slabEnd = pool.slab() == null ? 0 : slabStart + pool.slab().byteSize();
    }

    /** Sets up registration of {@code pool}'s buffers on {@code ring}; never fails, at worst registers nothing. */
    static RegisteredBuffers on(IoUring ring, BufferPool pool) {
        if (pool.slab() == null) {
            return new RegisteredBuffers(ring, pool, Mode.NONE, "");
        }
        RegisteredBuffers buffers;
        try {
            ring.registerBuffersSparse(tableSize(pool));
            buffers = new RegisteredBuffers(ring, pool, Mode.PER_BUFFER, "");
        } catch (IoUringException sparseRefused) {
            try {
                ring.registerBuffers(pool.slab());
                buffers = new RegisteredBuffers(ring, pool, Mode.WHOLE_SLAB, "");
            } catch (IoUringException e) {
                buffers = new RegisteredBuffers(ring, pool, Mode.NONE,
                        "registered buffers unavailable (" + e.getMessage() + "); using plain O_DIRECT reads");
            }
        }
        pool.onGrowth(buffers);
        return buffers;
    }

    private static int tableSize(BufferPool pool) {
        return Math.min(pool.capacity(), IoUringConstants.IORING_MAX_REG_BUFFERS);
    }

    @Override
    public void allocated(IoBuffer buffer) {
        if (mode != Mode.PER_BUFFER || buffer.slot() >= registered.length) {
            return;
        }
        try {
            ring.updateRegisteredBuffer(buffer.slot(), buffer.segment().address(), buffer.capacity());
            registered[buffer.slot()] = true;
        } catch (IoUringException e) {
            // Serve from it anyway, with plain ops: a missing registration costs per-I/O pinning, not correctness.
            if (refused++ == 0) {
                note = "buffer " + buffer.slot() + " could not be registered (" + e.getMessage()
                        + "); such buffers use plain O_DIRECT reads";
                System.err.println("atlas: " + note);
            }
        }
    }

    /**
     * The pool gives {@code buffer} up (load fell): its table entry is emptied, so the kernel unpins its pages and
     * they can go back. With the whole slab registered at once nothing can be unpinned: the buffer is kept.
     */
    @Override
    public boolean releasing(IoBuffer buffer) {
        if (mode == Mode.WHOLE_SLAB) {
            return false;
        }
        if (mode == Mode.PER_BUFFER && buffer.slot() < registered.length && registered[buffer.slot()]) {
            try {
                ring.updateRegisteredBuffer(buffer.slot(), 0L, 0L);
                registered[buffer.slot()] = false;
            } catch (IoUringException e) {
                return false; // still pinned: keep the buffer rather than drop pages the kernel holds
            }
        }
        return true;
    }

    /**
     * The fixed-buffer index for I/O on {@code length} bytes at {@code address}, or {@link #NOT_REGISTERED}: the
     * bytes must lie in one registered buffer.
     */
    int indexOf(long address, int length) {
        switch (mode) {
            case WHOLE_SLAB:
                return address >= slabStart && address + length <= slabEnd ? 0 : NOT_REGISTERED;
            case PER_BUFFER:
                int slot = pool.slotOf(address);
                if (slot < 0 || slot >= registered.length || !registered[slot]) {
                    return NOT_REGISTERED;
                }
                long bufferEnd = slabStart + (long) (slot + 1) * pool.bufferBytes();
                return address + length <= bufferEnd ? slot : NOT_REGISTERED;
            default:
                return NOT_REGISTERED;
        }
    }

    /** Empty, or what an operator should know about registration (logged once at start-up). */
    String note() {
        return note;
    }

    /** Buffers whose registration the kernel refused. */
    int refused() {
        return refused;
    }
}
