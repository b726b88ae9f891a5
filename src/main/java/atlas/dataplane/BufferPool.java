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
 * release cannot run (or be failed by) another connection's code. Because buffers come into being only when the
 * load needs them, the cap can be generous: an idle server holds none.
 * <p>
 * Memory goes back when the load falls ({@link #trim}, slabbed pools): every {@link #TRIM_INTERVAL_NS} the buffers
 * that stayed free the whole interval (the free list's low-water mark) are idle capacity; half of those, the least
 * recently used first, are given up — unregistered from the ring by the growth listener, their pages dropped with
 * {@code MADV_DONTNEED} — and their slots are reused when the load needs buffers again. Halving per interval
 * follows a falling load within a minute without giving back what a bursty one needs again a second later.
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

        /**
         * True when this waiter should let every other one go first — asked when a buffer comes free, since what
         * decides it (how many connections its client holds) changes while it waits. For a client holding far more
         * connections than any player needs, so that when memory is short the others are served first.
         */
        default boolean yieldsBuffer() {
            return false;
        }
    }

    /** Told of each buffer the first time it is handed out, before its owner sees it (the engine registers it). */
    public interface GrowthListener {
        void allocated(IoBuffer buffer);

        /**
         * {@code buffer} (free, no I/O on it) is about to be given up: undo what {@link #allocated} did. False when
         * its memory cannot go back (the whole slab is pinned at once): the buffer is kept.
         */
        default boolean releasing(IoBuffer buffer) {
            return true;
        }
    }

    /** How often {@link #trim} looks at the free list's low-water mark. */
    public static final long TRIM_INTERVAL_NS = 10_000_000_000L;

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
    /** Waiters found yielding ({@link Waiter#yieldsBuffer}): served only when no one in {@link #waiters} waits. */
    private final ArrayDeque<Waiter> behind = new ArrayDeque<>();
    /** Buffers granted to waiters by {@link #release}, in order, not handed over yet; parallel queues. */
    private final ArrayDeque<Waiter> grantedTo = new ArrayDeque<>();
    private final ArrayDeque<IoBuffer> granted = new ArrayDeque<>();
    private long waiterFailures;
    private int allocated;
    /** Slots below this have been handed out at some time; a slot given up by {@link #trim} waits in vacant. */
    private int slotsUsed;
    private final ArrayDeque<Integer> vacantSlots = new ArrayDeque<>();
    /** The fewest free buffers since the last trim: that many were idle the whole interval. */
    private int freeLowWater;
    private long lastTrimNs;
    private long buffersGivenBack;
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
            allocated++;
            if (slab != null) {
                int slot = vacantSlots.isEmpty() ? slotsUsed++ : vacantSlots.pollLast();
                b = new IoBuffer(slab.asSlice((long) slot * bufferBytes, bufferBytes), slot);
            } else {
                b = new IoBuffer(arena.allocate(bufferBytes, alignment), -1);
            }
            if (growthListener != null) {
                growthListener.allocated(b);
            }
        }
        freeLowWater = Math.min(freeLowWater, free.size());
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
        if (waiters.remove(waiter) || behind.remove(waiter)) {
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
        // A waiter that yields now goes behind for good (each moves once): the buffer goes to the next one.
        while (w != null && w.yieldsBuffer()) {
            behind.addLast(w);
            w = waiters.pollFirst();
        }
        if (w == null) {
            w = behind.pollFirst();
        }
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

    /**
     * From the loop, now and then: once per {@link #TRIM_INTERVAL_NS}, gives up half the buffers that stayed free
     * since the last time (see the class comment) and returns how many. Only slabbed pools give memory back.
     */
    public int trim(long nowNs) {
        if (nowNs - lastTrimNs < TRIM_INTERVAL_NS) {
            return 0;
        }
        lastTrimNs = nowNs;
        int idle = Math.min(freeLowWater, free.size());
        freeLowWater = free.size();
        if (slab == null || idle == 0) {
            return 0;
        }
        int giveBack = (idle + 1) / 2;
        int given = 0;
        for (int i = 0; i < giveBack; i++) {
            IoBuffer b = free.pollFirst(); // the least recently used: acquire takes from the other end
            if (growthListener != null && !growthListener.releasing(b)) {
                free.addFirst(b);
                break;
            }
            try {
                Libc.madvise(b.segment(), Libc.MADV_DONTNEED);
            } catch (PosixException e) {
                // The pages stay; the slot is reusable all the same (its next owner overwrites what it reads into).
            }
            vacantSlots.addLast(b.slot());
            allocated--;
            given++;
        }
        buffersGivenBack += given;
        freeLowWater = free.size();
        return given;
    }

    /** Buffers {@link #trim} has given up since the pool was made. */
    public long buffersGivenBack() {
        return buffersGivenBack;
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
        return offset >= 0 && offset < (long) slotsUsed * bufferBytes ? (int) (offset / bufferBytes) : -1;
    }

    /** Buffers lent out, granted ones included. */
    public int inUse() {
        return allocated - free.size();
    }

    public int waiting() {
        return waiters.size() + behind.size();
    }

    @Override
    public void close() {
        arena.close();
    }
}
