package atlas.dataplane;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * A core's aligned I/O buffers, reused last-in-first-out so the buffer touched most recently — the one most
 * likely still in the last-level cache — is the next one handed out (Atlas §3: the working set of the I/O path
 * should fit in the LLC).
 * <p>
 * Memory is bounded: at most {@code maxBuffers} exist, allocated on first need. When all are out, callers queue
 * as {@link Waiter}s and get the next released buffer in arrival order, so a burst of clients slows down instead
 * of growing the heap.
 * <p>
 * Thread: owned by one event loop; not thread-safe by design.
 */
public final class BufferPool implements AutoCloseable {
    /** Someone who asked for a buffer when none was free. */
    public interface Waiter {
        void onBuffer(IoBuffer buffer);
    }

    private final Arena arena = Arena.ofShared();
    /** When preallocated: one contiguous region holding every buffer, registrable with io_uring as a unit. */
    private final MemorySegment slab;
    private final int bufferBytes;
    private final int alignment;
    private final int maxBuffers;
    private final ArrayDeque<IoBuffer> free;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int allocated;

    public BufferPool(int bufferBytes, int alignment, int maxBuffers) {
        this(bufferBytes, alignment, maxBuffers, false);
    }

    /**
     * With {@code preallocate}, all buffers are carved from one slab allocated now — what io_uring's registered
     * buffers need (diskmap's pre-mapped buffers: the kernel pins them once instead of on every I/O).
     */
    public BufferPool(int bufferBytes, int alignment, int maxBuffers, boolean preallocate) {
        if (bufferBytes % alignment != 0 || bufferBytes <= IoBuffer.HEADROOM || maxBuffers < 1) {
            throw new IllegalArgumentException("bad pool shape " + bufferBytes + "/" + alignment + "x" + maxBuffers);
        }
        this.bufferBytes = bufferBytes;
        this.alignment = alignment;
        this.maxBuffers = maxBuffers;
        this.free = new ArrayDeque<>(maxBuffers);
        this.slab = preallocate ? arena.allocate((long) bufferBytes * maxBuffers, alignment) : null;
    }

    /** The slab every buffer lies in, or null when buffers are allocated one by one. */
    public MemorySegment slab() {
        return slab;
    }

    /** A free buffer, or null when the pool is at its cap (then consider {@link #await}). */
    public IoBuffer acquire() {
        IoBuffer b = free.pollLast();
        if (b == null && allocated < maxBuffers) {
            MemorySegment memory = slab != null
                    ? slab.asSlice((long) allocated * bufferBytes, bufferBytes)
                    : arena.allocate(bufferBytes, alignment);
            allocated++;
            b = new IoBuffer(memory);
        }
        return b;
    }

    /** Queues {@code waiter} for the next released buffer. */
    public void await(Waiter waiter) {
        waiters.addLast(waiter);
    }

    /** Withdraws a queued waiter (its connection closed while waiting). */
    public void cancel(Waiter waiter) {
        waiters.remove(waiter);
    }

    /** Returns {@code buffer}; a queued waiter gets it at once, else it becomes the next one handed out. */
    public void release(IoBuffer buffer) {
        Waiter w = waiters.pollFirst();
        if (w != null) {
            w.onBuffer(buffer);
        } else {
            free.addLast(buffer);
        }
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    /** Buffers that could still be handed out (free now, or not yet allocated) before the cap is reached. */
    public int available() {
        return maxBuffers - inUse();
    }

    public int capacity() {
        return maxBuffers;
    }

    public int inUse() {
        return allocated - free.size();
    }

    public int waiting() {
        return waiters.size();
    }

    @Override
    public void close() {
        arena.close();
    }
}
