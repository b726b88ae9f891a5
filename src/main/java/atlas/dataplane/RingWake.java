package atlas.dataplane;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import atlas.uring.IoUring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How other threads end a core's ring wait: an eventfd the ring keeps one read of in flight. A poster adds one to
 * the counter ({@link #post}), the read completes, and the loop re-arms it ({@link #arm}) after draining its inbox —
 * so a post reaches an idle core at once, instead of at the wait's 100 ms timeout.
 * <p>
 * The value posted must be non-zero: adding zero wakes the kernel's poll of the descriptor, but the read it
 * retries then finds a zero count and waits on — a wake-up that is silently lost (it was, until RingWakeTest).
 * <p>
 * Threads: {@link #arm} on the core's thread only; {@link #post} from any thread (under the inbox's wake lock,
 * which also orders it before {@link #close}).
 */
final class RingWake implements AutoCloseable {
    private final int fd;
    /** Where the ring's read lands; only the kernel writes it, nobody reads it. */
    private final MemorySegment readInto;
    /** The 1 every post adds; shared across threads, read-only. */
    private final MemorySegment one;

    private RingWake(int fd, Arena arena) {
        this.fd = fd;
        this.readInto = arena.allocate(8, 8);
        this.one = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
    }

    /** A new eventfd; its buffers live as long as {@code arena}, which posters' threads must be able to read. */
    static RingWake open(Arena arena) throws PosixException {
        return new RingWake(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), arena);
    }

    /** Queues the read that a post completes, on {@code ring}'s next submit. */
    void arm(IoUring ring, long sqe, long userData) {
        ring.prepRead(sqe, fd, readInto.address(), 8, 0, userData);
    }

    /** Wakes the ring's wait: one eventfd write. A failure means the loop is gone: nothing to wake. */
    void post() {
        try {
            Libc.write(fd, one, 8);
        } catch (PosixException e) {
            // The loop closed its eventfd while stopping.
        }
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
    }
}
