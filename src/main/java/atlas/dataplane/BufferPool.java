package atlas.dataplane;

import atlas.posix.Libc;
import atlas.posix.PosixException;

import java.io.UncheckedIOException;
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
 * of growing the heap. A released buffer is granted to the first waiter at once but handed to it only when the
 * loop calls {@link #deliverGranted} at its turn's end — never inside {@link #release}, so one connection's
 * release cannot run (or be failed by) another connection's code. Because buffers come into being only when the load needs them, the cap can be generous:
 * an idle server holds none, and a server that once needed {@code n} holds {@code n} (they are never given back,
 * so a pinned, registered buffer stays valid).
 * <p>
 * Thread: owned by one event loop; not thread-safe by design.
 */
public final class BufferPool implements AutoCloseable {
    /** Someone who asked for a buffer when none was free. */
    public interface Waiter {
        /** The buffer is the waiter's from this call on, even if the call throws. */
        void onBuffer(IoBuffer buffer);

        /** {@link #onBuffer} threw: the waiter's own bug; it should fail its request (and give the buffer back). */
        void onBufferFailed(RuntimeException failure);
    }

    /** Told of each buffer the first time it is handed out, before its owner sees it (the engine registers it). */
    public interface GrowthListener {
        void allocated(IoBuffer buffer);
    }

    private final Arena arena = Arena.ofShared();
    /**
     * When slabbed: one contiguous reservation with room for every buffer; a buffer's pages are only touched (and
     * so only cost memory) once it is first handed out.
     */
    private final MemorySegment slab;
    private final int bufferBytes;
    private final int alignment;
    private final int maxBuffers;
    private final ArrayDeque<IoBuffer> free;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Buffers granted to waiters by {@link #release}, in order, not handed over yet; parallel queues. */
    private final ArrayDeque<Waiter> grantedTo = new ArrayDeque<>();
    private final ArrayDeque<IoBuffer> granted = new ArrayDeque<>();
    private long waiterFailures;
    private int allocated;
    private GrowthListener growthListener;

    public BufferPool(int bufferBytes, int alignment, int maxBuffers) {
        this(bufferBytes, alignment, maxBuffers, false);
    }

    /**
     * With {@code slabbed}, all buffers are carved from one address range reserved now — what io_uring's registered
     * buffers need (diskmap's pre-mapped buffers: the kernel pins them once instead of on every I/O). The range is
     * reserved, not filled: buffer {@code i} is its {@code i}-th slice, backed by memory from its first use on.
     */
    public BufferPool(int bufferBytes, int alignment, int maxBuffers, boolean slabbed) {
        if (bufferBytes % alignment != 0 || bufferBytes <= IoBuffer.HEADROOM || maxBuffers < 1) {
            throw new IllegalArgumentException("bad pool shape " + bufferBytes + "/" + alignment + "x" + maxBuffers);
        }
        this.bufferBytes = bufferBytes;
        this.alignment = alignment;
        this.maxBuffers = maxBuffers;
        this.free = new ArrayDeque<>(maxBuffers);
        if (slabbed && 4096 % alignment != 0) {
            throw new IllegalArgumentException("a slab is page aligned, not " + alignment);
        }
        try {
            this.slab = slabbed ? Libc.mapReserved((long) bufferBytes * maxBuffers, arena) : null;
        } catch (PosixException e) {
            arena.close();
            throw new UncheckedIOException("cannot reserve " + ((long) bufferBytes * maxBuffers >> 20)
                    + " MiB of address space for I/O buffers", e);
        }
    }

    /** Installs the one listener told of new buffers; the owning loop sets it before the first acquire. */
    public void onGrowth(GrowthListener listener) {
        this.growthListener = listener;
    }

    /** The slab every buffer lies in, or null when buffers are allocated one by one. */
    public MemorySegment slab() {
        return slab;
    }

    /** A free buffer, or null when the pool is at its cap (then consider {@link #await}). */
    public IoBuffer acquire() {
        IoBuffer b = free.pollLast();
        if (b == null && allocated < maxBuffers) {
            int slot = allocated++;
            b = slab != null
                    ? new IoBuffer(slab.asSlice((long) slot * bufferBytes, bufferBytes), slot)
                    : new IoBuffer(arena.allocate(bufferBytes, alignment), -1);
            if (growthListener != null) {
                growthListener.allocated(b);
            }
        }
        return b;
    }

    /** Queues {@code waiter} for the next released buffer. */
    public void await(Waiter waiter) {
        waiters.addLast(waiter);
    }

    /**
     * Withdraws a queued waiter (its connection closed or timed out while waiting). A buffer already granted to it
     * and not delivered yet goes to the next waiter, or back to the free list.
     */
    public void cancel(Waiter waiter) {
        if (waiters.remove(waiter)) {
            return;
        }
        int n = grantedTo.size();
        for (int i = 0; i < n; i++) {
            Waiter w = grantedTo.pollFirst();
            IoBuffer b = granted.pollFirst();
            if (w == waiter) {
                release(b);
                continue;
            }
            grantedTo.addLast(w);
            granted.addLast(b);
        }
    }

    /**
     * Returns {@code buffer}; the first queued waiter is granted it (delivered by {@link #deliverGranted}), else it
     * becomes the next one handed out.
     */
    public void release(IoBuffer buffer) {
        Waiter w = waiters.pollFirst();
        if (w != null) {
            grantedTo.addLast(w);
            granted.addLast(buffer);
        } else {
            free.addLast(buffer);
        }
    }

    /**
     * Hands every granted buffer to its waiter, including those granted meanwhile by the waiters' own releases, and
     * returns how many. A waiter that throws is its own connection's failure: counted and printed here, then told
     * ({@link Waiter#onBufferFailed}) so it fails its request; the buffer stays with it (its close gives it back).
     * The others still get theirs.
     */
    public int deliverGranted() {
        int delivered = 0;
        while (!grantedTo.isEmpty()) {
            delivered++;
            Waiter w = grantedTo.pollFirst();
            IoBuffer b = granted.pollFirst();
            try {
                w.onBuffer(b);
            } catch (RuntimeException e) {
                waiterFailures++;
                if (waiterFailures <= 10) {
                    System.err.println("atlas: a connection failed taking its I/O buffer: " + e);
                    e.printStackTrace();
                }
                try {
                    w.onBufferFailed(e);
                } catch (RuntimeException again) {
                    // Its clean-up failed too; nothing more to do for it here.
                }
            }
        }
        return delivered;
    }

    /** Granted buffers not delivered yet. */
    public int granted() {
        return granted.size();
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

    /** Buffers that exist (lent out or free): what the pool costs in memory, in buffers. */
    public int allocated() {
        return allocated;
    }

    /** The slab index of the buffer holding {@code address}, or -1 when it is not inside the slab. */
    public int slotOf(long address) {
        if (slab == null) {
            return -1;
        }
        long offset = address - slab.address();
        return offset >= 0 && offset < (long) allocated * bufferBytes ? (int) (offset / bufferBytes) : -1;
    }

    /** Buffers lent out, granted ones included. */
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
