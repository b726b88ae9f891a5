package atlas.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Ordered accesses to memory shared with the kernel (ring heads and tails). The
 * memory order is in the method name, as in Agrona's {@code AtomicBuffer}.
 * <p>
 * <b>Choice:</b> {@link VarHandle}s from {@link ValueLayout#varHandle()} on the mapped segment, using
 * {@code getAcquire}/{@code setRelease}, rather than plain {@code MemorySegment.get} plus
 * {@code VarHandle.acquireFence()/releaseFence()}. The access modes order exactly the one access that needs it
 * (a fence orders all surrounding loads or stores), are what the JMM defines for the pairing "producer publishes
 * with release, consumer observes with acquire", and compile on x86-64 to a plain {@code mov} with a compiler
 * barrier — the same code liburing gets from {@code io_uring_smp_store_release()} and
 * {@code io_uring_smp_load_acquire()} in {@code barrier.h} ({@code __atomic_store_n(p, v, __ATOMIC_RELEASE)} /
 * {@code __atomic_load_n(p, __ATOMIC_ACQUIRE)}).
 * <p>
 * The pairings (cf. the comment block at the top of the kernel's {@code io_uring/io_uring.c}):
 * <ul>
 *   <li>SQ tail: we fill SQEs with plain stores, then {@link #putIntRelease} the tail; the kernel loads it with
 *       acquire, so it sees complete SQEs.</li>
 *   <li>CQ tail: the kernel writes CQEs, then stores the tail with release; we {@link #getIntAcquire} it before
 *       reading any CQE at or after the old tail.</li>
 *   <li>CQ head: we {@link #putIntRelease} it after copying a CQE out, so the kernel never overwrites a CQE we
 *       are still reading.</li>
 *   <li>SQ head: the kernel advances it with release once it has consumed SQEs; we {@link #getIntAcquire} it
 *       before reusing those slots.</li>
 * </ul>
 */
final class RingMemory {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private RingMemory() {
    }

    static int getIntAcquire(MemorySegment segment, long offset) {
        return (int) INT.getAcquire(segment, offset);
    }

    static void putIntRelease(MemorySegment segment, long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    /** A relaxed (single-copy atomic, unordered) read, for flags the kernel sets asynchronously (READ_ONCE). */
    static int getIntOpaque(MemorySegment segment, long offset) {
        return (int) INT.getOpaque(segment, offset);
    }
}
