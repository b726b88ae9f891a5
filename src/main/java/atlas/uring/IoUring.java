package atlas.uring;

import atlas.posix.Errno;
import static atlas.uring.IoUringConstants.*;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One io_uring instance: the submission and completion rings mapped into this process, written with the FFM API
 * (no JNI, no liburing).
 *
 * <h2>Threading</h2>
 * <b>Not thread-safe, and confined to the thread that opened it.</b> A ring belongs to one per-core event loop:
 * it is set up with {@code IORING_SETUP_SINGLE_ISSUER} (the kernel then rejects {@code io_uring_enter} from any
 * other task with {@code EEXIST}) and, where the kernel has it, {@code IORING_SETUP_DEFER_TASKRUN}, which posts
 * completions only when this thread enters the kernel to wait for them — no interrupts of the loop, no cross-CPU
 * wake-ups. The mappings live in a confined {@link Arena}, so touching the ring from another thread fails fast
 * with {@link WrongThreadException} instead of corrupting it; {@link #close()} too must run on the owner thread.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * long sqe = ring.nextSqe();                  // NO_SQE when the SQ is full: submit, reap, retry
 * ring.prepReadFixed(sqe, fd, buf, 0, fileOffset, userData);
 * ring.submitAndWait(1);                      // one io_uring_enter: submit everything, wait for one CQE
 * ring.forEachCompletion(handler);            // (userData, res, flags); res < 0 is -errno, see Errno
 * }</pre>
 * SQEs are handed out zeroed and become visible to the kernel only at the next submit (one release store of the
 * SQ tail for the whole batch). Memory ordering is explained in {@link RingMemory}.
 *
 * <h2>Errors</h2>
 * Setup and registration failures throw {@link IoUringException} with a precise message. On the data path
 * nothing throws for expected outcomes: a full SQ is {@link #NO_SQE}; {@code submit*} return {@code -EAGAIN},
 * {@code -EBUSY} or {@code -ETIME} as sentinels; per-request failures are {@code -errno} in the CQE. Only a ring
 * failure (EBADF, EFAULT, EINVAL from {@code io_uring_enter}) throws, and should stop the core loudly.
 */
public final class IoUring implements AutoCloseable {
    /** {@link #nextSqe()} result when the submission queue is full. */
    public static final long NO_SQE = -1L;
    /** Largest SQ the kernel accepts without {@code IORING_SETUP_CLAMP} (IORING_MAX_ENTRIES). */
    public static final int MAX_SQ_ENTRIES = 32768;
    /** Largest CQ (IORING_MAX_CQ_ENTRIES). */
    public static final int MAX_CQ_ENTRIES = 2 * MAX_SQ_ENTRIES;

    /*
     * Setup flags, tried in order; a step is dropped only on EINVAL (a flag this kernel does not know):
     *  6.1+   SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG  — completions run only when we wait for them
     *  6.0    SINGLE_ISSUER | COOP_TASKRUN | TASKRUN_FLAG   — no IPIs to interrupt the loop
     *  5.19   COOP_TASKRUN
     *  5.5+   plain
     * SUBMIT_ALL (5.18) keeps submitting a batch after one SQE fails its prep, so one bad request costs its own
     * CQE and not the rest of the batch. TASKRUN_FLAG makes the kernel raise IORING_SQ_TASKRUN when completions
     * wait for us to enter, which forEachCompletion() checks.
     */
    private static final int[] SETUP_LADDER = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
                | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN
                | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        0,
    };

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final Arena arena;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final MemorySegment capture;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqHeadOffset;
    private final long sqTailOffset;
    private final long sqFlagsOffset;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final long cqOverflowOffset;
    private final long cqesOffset;
    private final int sqMask;
    private final int sqEntries;
    private final int cqMask;
    private final int cqEntries;
    /** struct io_uring_getevents_arg followed by its __kernel_timespec, for timed waits. */
    private final MemorySegment waitArg;
    /** Bit n set when the probe says IORING_OP n is supported. */
    private final long[] supportedOps = new long[PROBE_MAX_OPS / 64];

    /** Next SQE slot to hand out; slots in [sqePublished, sqeTail) are prepared but not yet visible. */
    private int sqeTail;
    /** The SQ tail as last published to the kernel. */
    private int sqePublished;
    /** Our copy of the CQ head (we are its only writer). */
    private int cqHead;
    private boolean closed;

    private IoUring(Arena arena, MemorySegment capture, int ringFd, MemorySegment params, int setupFlags)
            throws IoUringException {
        this.arena = arena;
        this.capture = capture;
        this.ringFd = ringFd;
        this.setupFlags = setupFlags;
        this.features = params.get(INT, PARAMS_FEATURES);
        int sqEntriesParam = params.get(INT, PARAMS_SQ_ENTRIES);
        int cqEntriesParam = params.get(INT, PARAMS_CQ_ENTRIES);
        long sqOff = PARAMS_SQ_OFF;
        long cqOff = PARAMS_CQ_OFF;
        long sqArray = Integer.toUnsignedLong(params.get(INT, sqOff + SQ_OFF_ARRAY));
        long cqes = Integer.toUnsignedLong(params.get(INT, cqOff + CQ_OFF_CQES));
        long sqRingBytes = sqArray + (long) sqEntriesParam * Integer.BYTES;
        long cqRingBytes = cqes + (long) cqEntriesParam * CQE_SIZE;

        if ((features & IORING_FEAT_SINGLE_MMAP) != 0) {
            // One mapping holds both rings (5.4+); the CQ ring is at the same offsets inside it.
            this.sqRing = map(Math.max(sqRingBytes, cqRingBytes), IORING_OFF_SQ_RING, "SQ/CQ ring");
            this.cqRing = sqRing;
        } else {
            this.sqRing = map(sqRingBytes, IORING_OFF_SQ_RING, "SQ ring");
            this.cqRing = map(cqRingBytes, IORING_OFF_CQ_RING, "CQ ring");
        }
        this.sqes = map((long) sqEntriesParam * SQE_SIZE, IORING_OFF_SQES, "SQEs");

        this.sqHeadOffset = Integer.toUnsignedLong(params.get(INT, sqOff + SQ_OFF_HEAD));
        this.sqTailOffset = Integer.toUnsignedLong(params.get(INT, sqOff + SQ_OFF_TAIL));
        this.sqFlagsOffset = Integer.toUnsignedLong(params.get(INT, sqOff + SQ_OFF_FLAGS));
        this.sqMask = sqRing.get(INT, params.get(INT, sqOff + SQ_OFF_RING_MASK));
        this.sqEntries = sqRing.get(INT, params.get(INT, sqOff + SQ_OFF_RING_ENTRIES));
        this.cqHeadOffset = Integer.toUnsignedLong(params.get(INT, cqOff + CQ_OFF_HEAD));
        this.cqTailOffset = Integer.toUnsignedLong(params.get(INT, cqOff + CQ_OFF_TAIL));
        this.cqOverflowOffset = Integer.toUnsignedLong(params.get(INT, cqOff + CQ_OFF_OVERFLOW));
        this.cqesOffset = cqes;
        this.cqMask = cqRing.get(INT, params.get(INT, cqOff + CQ_OFF_RING_MASK));
        this.cqEntries = cqRing.get(INT, params.get(INT, cqOff + CQ_OFF_RING_ENTRIES));

        // The SQ array maps ring slots to SQE indexes; we always use slot i -> SQE i, so fill it once.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(INT, sqArray + (long) i * Integer.BYTES, i);
        }
        this.sqeTail = RingMemory.getIntAcquire(sqRing, sqTailOffset);
        this.sqePublished = sqeTail;
        this.cqHead = RingMemory.getIntAcquire(cqRing, cqHeadOffset);

        this.waitArg = arena.allocate(GETEVENTS_ARG_SIZE + TIMESPEC_SIZE, 8);
        waitArg.set(LONG, GETEVENTS_ARG_TS, waitArg.address() + GETEVENTS_ARG_SIZE);
        probe();
    }

    /** A ring with {@code sqEntries} SQEs (rounded up to a power of two by the kernel) and a CQ twice that. */
    public static IoUring open(int sqEntries) throws IoUringException {
        return open(sqEntries, 2 * sqEntries, 0);
    }

    /**
     * A ring with the given SQ and CQ sizes. {@code extraSetupFlags} (IORING_SETUP_*) are added to every step of
     * the fallback ladder (see {@link #setupFlags()} for what was granted). The ring is confined to the calling
     * thread.
     */
    public static IoUring open(int sqEntries, int cqEntries, int extraSetupFlags) throws IoUringException {
        if (sqEntries < 1 || sqEntries > MAX_SQ_ENTRIES) {
            throw new IllegalArgumentException("sqEntries " + sqEntries + " outside 1.." + MAX_SQ_ENTRIES);
        }
        if (cqEntries < sqEntries || cqEntries > MAX_CQ_ENTRIES) {
            throw new IllegalArgumentException("cqEntries " + cqEntries + " outside " + sqEntries + ".."
                    + MAX_CQ_ENTRIES);
        }
        Arena arena = Arena.ofConfined();
        int fd = -1;
        try {
            MemorySegment capture = Syscalls.allocateCapture(arena);
            MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
            int err = 0;
            int flags = 0;
            for (int step : SETUP_LADDER) {
                flags = step | extraSetupFlags | IORING_SETUP_CQSIZE;
                params.fill((byte) 0);
                params.set(INT, PARAMS_FLAGS, flags);
                params.set(INT, PARAMS_CQ_ENTRIES, cqEntries);
                int rc = Syscalls.ioUringSetup(capture, sqEntries, params);
                if (rc >= 0) {
                    fd = rc;
                    break;
                }
                err = -rc;
                if (err != Errno.EINVAL) {
                    break;
                }
            }
            if (fd < 0) {
                throw new IoUringException("io_uring_setup", sqEntries + " entries", err, setupHint(err));
            }
            return new IoUring(arena, capture, fd, params, flags);
        } catch (IoUringException | RuntimeException | Error e) {
            arena.close(); // unmaps whatever was mapped
            if (fd >= 0) {
                Libc.closeQuietly(fd);
            }
            throw e;
        }
    }

    private static String setupHint(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "io_uring is restricted here: kernel.io_uring_disabled="
                    + IoUringSupport.readDisabledSysctl() + " (1 = only CAP_SYS_ADMIN or io_uring_group, 2 = off)";
            case Errno.ENOSYS -> "this kernel has no io_uring (CONFIG_IO_URING=n, or blocked by seccomp)";
            case Errno.ENOMEM -> "cannot allocate the rings; kernels before 5.12 charge them to RLIMIT_MEMLOCK ("
                    + IoUringSupport.describeMemlock() + ")";
            case Errno.EMFILE, Errno.ENFILE -> "out of file descriptors";
            case Errno.EINVAL -> "the kernel rejected every setup flag combination";
            default -> null;
        };
    }

    /** Maps one of the ring's regions; the arena owns the mapping: closing it (close(), or a failed open) unmaps. */
    private MemorySegment map(long bytes, long offset, String what) throws IoUringException {
        try {
            return Libc.map(bytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, ringFd,
                    offset, arena, what + " of io_uring fd " + ringFd);
        } catch (PosixException e) {
            throw new IoUringException(e.operation(), e.target(), e.errno()); // without its queues there is no ring
        }
    }

    private void probe() {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment probe = scratch.allocate(PROBE_SIZE + (long) PROBE_MAX_OPS * PROBE_OP_SIZE, 8);
            int rc = Syscalls.ioUringRegister(capture, ringFd, IORING_REGISTER_PROBE, probe.address(),
                    PROBE_MAX_OPS);
            if (rc < 0) {
                return; // pre-5.6 kernel: no probe, so nothing is reported as supported
            }
            int opsLen = Byte.toUnsignedInt(probe.get(BYTE, PROBE_OPS_LEN));
            for (int i = 0; i < opsLen; i++) {
                long entry = PROBE_OPS + (long) i * PROBE_OP_SIZE;
                int op = Byte.toUnsignedInt(probe.get(BYTE, entry + PROBE_OP_OP));
                if ((probe.get(SHORT, entry + PROBE_OP_FLAGS) & IO_URING_OP_SUPPORTED) != 0) {
                    supportedOps[op >>> 6] |= 1L << (op & 63);
                }
            }
        }
    }

    // ================================================================================================ state

    public int fd() {
        return ringFd;
    }

    /** The IORING_SETUP_* flags the kernel accepted (after the fallback ladder). */
    public int setupFlags() {
        return setupFlags;
    }

    /** IORING_FEAT_* bits reported by io_uring_setup. */
    public int features() {
        return features;
    }

    public boolean hasFeature(int ioringFeat) {
        return (features & ioringFeat) == ioringFeat;
    }

    /** Whether IORING_REGISTER_PROBE reports {@code op} (an IORING_OP_*) as supported. */
    public boolean isSupported(int op) {
        return op >= 0 && op < PROBE_MAX_OPS && (supportedOps[op >>> 6] & (1L << (op & 63))) != 0;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** SQEs that can still be handed out before {@link #nextSqe()} returns {@link #NO_SQE}. */
    public int sqSpaceLeft() {
        return sqEntries - (sqeTail - sqHeadAcquire());
    }

    /** SQEs handed out (published or not) that the kernel has not consumed yet. */
    public int sqPending() {
        return sqeTail - sqHeadAcquire();
    }

    /** CQEs posted by the kernel and not yet reaped. */
    public int cqReady() {
        return cqTailAcquire() - cqHead;
    }

    /** The kernel's count of CQEs it had to drop (only possible without IORING_FEAT_NODROP). */
    public int cqOverflowCount() {
        return RingMemory.getIntAcquire(cqRing, cqOverflowOffset);
    }

    /** IORING_SQ_* flags (NEED_WAKEUP, CQ_OVERFLOW, TASKRUN), read relaxed as liburing's IO_URING_READ_ONCE. */
    public int sqFlagsOpaque() {
        return RingMemory.getIntOpaque(sqRing, sqFlagsOffset);
    }

    /** The kernel's SQ head: how far it has consumed SQEs. Acquire: the slots before it may be reused. */
    int sqHeadAcquire() {
        return RingMemory.getIntAcquire(sqRing, sqHeadOffset);
    }

    /** The kernel's CQ tail. Acquire: every CQE before it is fully written. */
    int cqTailAcquire() {
        return RingMemory.getIntAcquire(cqRing, cqTailOffset);
    }

    /** Publishes our SQ tail. Release: the SQEs we filled with plain stores are visible before the tail. */
    void sqTailRelease(int tail) {
        RingMemory.putIntRelease(sqRing, sqTailOffset, tail);
    }

    /** Publishes our CQ head. Release: we are done reading the CQEs before it; the kernel may overwrite them. */
    void cqHeadRelease(int head) {
        RingMemory.putIntRelease(cqRing, cqHeadOffset, head);
    }

    // ================================================================================================ submission

    /**
     * The offset (within the SQE array) of a free, zeroed SQE, or {@link #NO_SQE} when the SQ is full. The SQE
     * becomes visible to the kernel at the next {@code submit*}.
     */
    public long nextSqe() {
        int tail = sqeTail;
        if (tail - sqHeadAcquire() >= sqEntries) {
            return NO_SQE;
        }
        sqeTail = tail + 1;
        long sqe = (long) (tail & sqMask) * SQE_SIZE;
        for (long i = 0; i < SQE_SIZE; i += Long.BYTES) { // zero: stale fields of the previous use must not leak
            sqes.set(LONG, sqe + i, 0L);
        }
        return sqe;
    }

    /** Publishes prepared SQEs; returns how many the kernel has not consumed yet. */
    private int flushSq() {
        int tail = sqeTail;
        if (tail != sqePublished) {
            sqePublished = tail;
            sqTailRelease(tail);
        }
        return tail - sqHeadAcquire();
    }

    /** Whether completions are waiting in the kernel: overflowed CQEs (NODROP) or deferred task work. */
    private boolean cqNeedsEnter() {
        return (sqFlagsOpaque() & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) != 0;
    }

    /**
     * Submits every prepared SQE with one {@code io_uring_enter}, without waiting. No syscall at all when there is
     * nothing to submit and nothing to flush. Returns the SQEs the kernel consumed, or {@code -EAGAIN} (out of
     * request memory; reap and retry) or {@code -EBUSY} (CQ overflow backlog; reap and retry).
     */
    public int submit() throws IoUringException {
        return enter(0, 0, 0L);
    }

    /**
     * Submits every prepared SQE and waits until at least {@code minComplete} CQEs are ready — one
     * {@code io_uring_enter} with {@code IORING_ENTER_GETEVENTS}. Returns as {@link #submit()}.
     */
    public int submitAndWait(int minComplete) throws IoUringException {
        return enter(minComplete, 0, 0L);
    }

    /**
     * As {@link #submitAndWait(int)}, but waits at most {@code timeoutNs} (IORING_ENTER_EXT_ARG, 5.11+). Returns
     * {@code -ETIME} when the wait timed out and nothing was submitted.
     */
    public int submitAndWait(int minComplete, long timeoutNs) throws IoUringException {
        if ((features & IORING_FEAT_EXT_ARG) == 0) {
            throw new UnsupportedOperationException("timed wait needs IORING_FEAT_EXT_ARG (kernel 5.11+)");
        }
        waitArg.set(LONG, GETEVENTS_ARG_SIZE + TIMESPEC_TV_SEC, timeoutNs / 1_000_000_000L); // no slice: no garbage
        waitArg.set(LONG, GETEVENTS_ARG_SIZE + TIMESPEC_TV_NSEC, timeoutNs % 1_000_000_000L);
        return enter(minComplete, IORING_ENTER_EXT_ARG, waitArg.address());
    }

    private int enter(int minComplete, int extraFlags, long arg) throws IoUringException {
        int toSubmit = flushSq();
        int flags = extraFlags;
        if (minComplete > 0 || arg != 0L || cqNeedsEnter()) {
            flags |= IORING_ENTER_GETEVENTS;
        }
        if (toSubmit == 0 && flags == 0) {
            return 0;
        }
        long argSize = arg == 0L ? 0L : GETEVENTS_ARG_SIZE;
        while (true) {
            int rc = Syscalls.ioUringEnter(capture, ringFd, toSubmit, minComplete, flags, arg, argSize);
            if (rc >= 0) {
                return rc;
            }
            switch (-rc) {
                case Errno.EINTR -> toSubmit = sqeTail - sqHeadAcquire(); // a signal: retry what is left
                case Errno.EAGAIN, Errno.EBUSY, Errno.ETIME -> {
                    return rc;
                }
                default -> throw new IoUringException("io_uring_enter", "fd " + ringFd, -rc);
            }
        }
    }

    // ================================================================================================ completion

    /**
     * Hands every ready CQE to {@code handler} and returns how many there were. Each CQE is copied out and its slot
     * released to the kernel before the handler runs, so a handler may prepare SQEs, submit, or even reap again,
     * and a throwing handler loses nothing but its own CQE. When the kernel holds completions back (overflowed
     * CQEs with IORING_FEAT_NODROP — flagged by {@code IORING_SQ_CQ_OVERFLOW} — or deferred task work flagged by
     * {@code IORING_SQ_TASKRUN}), one {@code io_uring_enter(GETEVENTS)} flushes them and they are drained too.
     * Allocates nothing.
     */
    public int forEachCompletion(CompletionHandler handler) throws IoUringException {
        int count = drain(handler);
        while (cqNeedsEnter()) {
            int rc = Syscalls.ioUringEnter(capture, ringFd, 0, 0, IORING_ENTER_GETEVENTS, 0L, 0L);
            if (rc < 0 && rc != -Errno.EINTR && rc != -Errno.EAGAIN && rc != -Errno.EBUSY) {
                throw new IoUringException("io_uring_enter", "fd " + ringFd + ", flushing completions", -rc);
            }
            int more = drain(handler);
            if (more == 0) {
                break;
            }
            count += more;
        }
        return count;
    }

    private int drain(CompletionHandler handler) {
        int tail = cqTailAcquire();
        int count = 0;
        // cqHead is re-read each turn: a handler may itself have reaped (wrap-safe int distance).
        while (tail - cqHead > 0) {
            int head = cqHead;
            long cqe = cqesOffset + (long) (head & cqMask) * CQE_SIZE;
            long userData = cqRing.get(LONG, cqe + CQE_USER_DATA);
            int res = cqRing.get(INT, cqe + CQE_RES);
            int flags = cqRing.get(INT, cqe + CQE_FLAGS);
            cqHead = head + 1;
            cqHeadRelease(head + 1);
            count++;
            handler.onCompletion(userData, res, flags);
        }
        return count;
    }

    // ================================================================================================ SQE prep

    private void prepRw(long sqe, int op, int fd, long addr, int len, long offset, long userData) {
        sqes.set(BYTE, sqe + SQE_OPCODE, (byte) op);
        sqes.set(INT, sqe + SQE_FD, fd);
        sqes.set(LONG, sqe + SQE_OFF, offset);
        sqes.set(LONG, sqe + SQE_ADDR, addr);
        sqes.set(INT, sqe + SQE_LEN, len);
        sqes.set(LONG, sqe + SQE_USER_DATA, userData);
    }

    private static int length(MemorySegment buffer) {
        long size = buffer.byteSize();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + size + " bytes exceeds one SQE's u32 len");
        }
        return (int) size;
    }

    /** ORs IOSQE_* flags (IO_LINK, ASYNC, CQE_SKIP_SUCCESS, ...) into the SQE. */
    public void addSqeFlags(long sqe, int iosqeFlags) {
        sqes.set(BYTE, sqe + SQE_FLAGS, (byte) (sqes.get(BYTE, sqe + SQE_FLAGS) | iosqeFlags));
    }

    /**
     * IOSQE_IO_LINK: the next SQE starts only after this one succeeds; if this one fails (or is short), the rest of
     * the chain completes with {@code -ECANCELED}.
     */
    public void link(long sqe) {
        addSqeFlags(sqe, IOSQE_IO_LINK);
    }

    public void prepNop(long sqe, long userData) {
        prepRw(sqe, IORING_OP_NOP, -1, 0L, 0, 0L, userData);
    }

    /** IORING_OP_POLL_ADD, one shot: completes with the ready events once {@code fd} has one of {@code events}. */
    public void prepPollAdd(long sqe, int fd, int events, long userData) {
        prepRw(sqe, IORING_OP_POLL_ADD, fd, 0L, 0, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, events);
    }

    /** IORING_OP_READ of {@code buffer.byteSize()} bytes at {@code fileOffset} (-1: the file position). */
    public void prepRead(long sqe, int fd, MemorySegment buffer, long fileOffset, long userData) {
        prepRw(sqe, IORING_OP_READ, fd, buffer.address(), length(buffer), fileOffset, userData);
    }

    /** IORING_OP_WRITE with preadv2-style {@code rwFlags} (e.g. {@link IoUringConstants#RWF_DSYNC}). */
    public void prepWrite(long sqe, int fd, MemorySegment buffer, long fileOffset, int rwFlags, long userData) {
        prepRw(sqe, IORING_OP_WRITE, fd, buffer.address(), length(buffer), fileOffset, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, rwFlags);
    }

    /** IORING_OP_READ into {@code [address, address + length)}: no segment view per I/O on the data path. */
    public void prepRead(long sqe, int fd, long address, int length, long fileOffset, long userData) {
        prepRw(sqe, IORING_OP_READ, fd, address, length, fileOffset, userData);
    }

    /** IORING_OP_WRITE from {@code [address, address + length)} with preadv2-style {@code rwFlags}. */
    public void prepWrite(long sqe, int fd, long address, int length, long fileOffset, int rwFlags, long userData) {
        prepRw(sqe, IORING_OP_WRITE, fd, address, length, fileOffset, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, rwFlags);
    }

    /**
     * IORING_OP_READ_FIXED into {@code [address, address + length)}, which must lie inside registered buffer
     * {@code bufIndex} (no per-I/O page pinning: the point of registering).
     */
    public void prepReadFixed(long sqe, int fd, long address, int length, int bufIndex, long fileOffset,
                              long userData) {
        prepRw(sqe, IORING_OP_READ_FIXED, fd, address, length, fileOffset, userData);
        sqes.set(SHORT, sqe + SQE_BUF_INDEX, (short) bufIndex);
    }

    /** {@link #prepReadFixed(long, int, long, int, int, long, long)} into a slice of a registered buffer. */
    public void prepReadFixed(long sqe, int fd, MemorySegment buffer, int bufIndex, long fileOffset, long userData) {
        prepReadFixed(sqe, fd, buffer.address(), length(buffer), bufIndex, fileOffset, userData);
    }

    /** IORING_OP_WRITE_FIXED; {@code rwFlags} e.g. RWF_DSYNC makes this one write durable (O_DSYNC semantics). */
    public void prepWriteFixed(long sqe, int fd, long address, int length, int bufIndex, long fileOffset,
                               int rwFlags, long userData) {
        prepRw(sqe, IORING_OP_WRITE_FIXED, fd, address, length, fileOffset, userData);
        sqes.set(SHORT, sqe + SQE_BUF_INDEX, (short) bufIndex);
        sqes.set(INT, sqe + SQE_OP_FLAGS, rwFlags);
    }

    public void prepWriteFixed(long sqe, int fd, MemorySegment buffer, int bufIndex, long fileOffset, int rwFlags,
                               long userData) {
        prepWriteFixed(sqe, fd, buffer.address(), length(buffer), bufIndex, fileOffset, rwFlags, userData);
    }

    /** IORING_OP_FSYNC of the whole file; {@code dataSync} = fdatasync semantics (IORING_FSYNC_DATASYNC). */
    public void prepFsync(long sqe, int fd, boolean dataSync, long userData) {
        prepRw(sqe, IORING_OP_FSYNC, fd, 0L, 0, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, dataSync ? IORING_FSYNC_DATASYNC : 0);
    }

    /** IORING_OP_SEND; pass {@link IoUringConstants#MSG_NOSIGNAL} so a dead peer is -EPIPE, not SIGPIPE. */
    public void prepSend(long sqe, int fd, long address, int length, int msgFlags, long userData) {
        prepRw(sqe, IORING_OP_SEND, fd, address, length, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, msgFlags);
    }

    public void prepSend(long sqe, int fd, MemorySegment buffer, int msgFlags, long userData) {
        prepSend(sqe, fd, buffer.address(), length(buffer), msgFlags, userData);
    }

    /**
     * IORING_OP_SEND_ZC (6.0+). Two CQEs with the same {@code userData}: the result (bytes sent or -errno) with
     * {@link IoUringConstants#IORING_CQE_F_MORE} set when a notification follows, then — once the kernel no longer
     * references the buffer (for TCP: after the data is ACKed) — a CQE with {@link IoUringConstants#IORING_CQE_F_NOTIF}.
     * The buffer may be reused only after the notification. {@code bufIndex} >= 0 sends from registered buffer
     * {@code bufIndex} (IORING_RECVSEND_FIXED_BUF); {@code zcFlags} may add IORING_SEND_ZC_REPORT_USAGE.
     */
    public void prepSendZc(long sqe, int fd, long address, int length, int msgFlags, int zcFlags, int bufIndex,
                           long userData) {
        prepRw(sqe, IORING_OP_SEND_ZC, fd, address, length, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, msgFlags);
        int ioprio = zcFlags;
        if (bufIndex >= 0) {
            ioprio |= IORING_RECVSEND_FIXED_BUF;
            sqes.set(SHORT, sqe + SQE_BUF_INDEX, (short) bufIndex);
        }
        sqes.set(SHORT, sqe + SQE_IOPRIO, (short) ioprio);
    }

    /**
     * IORING_OP_SENDMSG of the {@code struct user_msghdr} at {@code msghdrAddress} (its iovecs name the bytes). The
     * header and the iovecs must stay untouched until the CQE: the kernel may read them when it issues the send.
     */
    public void prepSendmsg(long sqe, int fd, long msghdrAddress, int msgFlags, long userData) {
        prepRw(sqe, IORING_OP_SENDMSG, fd, msghdrAddress, 1, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, msgFlags);
    }

    /** IORING_OP_RECV into {@code [address, address + length)}. 0 = orderly shutdown by the peer. */
    public void prepRecv(long sqe, int fd, long address, int length, int msgFlags, long userData) {
        prepRw(sqe, IORING_OP_RECV, fd, address, length, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, msgFlags);
    }

    public void prepRecv(long sqe, int fd, MemorySegment buffer, int msgFlags, long userData) {
        prepRecv(sqe, fd, buffer.address(), length(buffer), msgFlags, userData);
    }

    /**
     * IORING_OP_ACCEPT on a listening socket; res is the new fd. {@code acceptFlags} are accept4's
     * (SOCK_NONBLOCK, SOCK_CLOEXEC). The peer address is not collected.
     */
    public void prepAccept(long sqe, int listenFd, int acceptFlags, long userData) {
        prepRw(sqe, IORING_OP_ACCEPT, listenFd, 0L, 0, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, acceptFlags);
    }

    /**
     * Multishot accept (5.19+): one CQE per connection, each with IORING_CQE_F_MORE while it stays armed. A CQE
     * without F_MORE means it ended (error, or cancelled) and must be re-armed.
     */
    public void prepAcceptMultishot(long sqe, int listenFd, int acceptFlags, long userData) {
        prepAccept(sqe, listenFd, acceptFlags, userData);
        sqes.set(SHORT, sqe + SQE_IOPRIO, (short) IORING_ACCEPT_MULTISHOT);
    }

    /**
     * IORING_OP_ASYNC_CANCEL of requests on {@code fd} (IORING_ASYNC_CANCEL_FD, 5.19+; add IORING_ASYNC_CANCEL_ALL
     * for all of them, else the first). The targets complete with {@code -ECANCELED}; this SQE with the number
     * cancelled (with CANCEL_ALL; 0 otherwise), {@code -ENOENT} (none found) or {@code -EALREADY} (already running).
     */
    public void prepCancelFd(long sqe, int fd, int cancelFlags, long userData) {
        prepRw(sqe, IORING_OP_ASYNC_CANCEL, fd, 0L, 0, 0L, userData);
        sqes.set(INT, sqe + SQE_OP_FLAGS, cancelFlags | IORING_ASYNC_CANCEL_FD);
    }

    // ================================================================================================ registration

    /**
     * Registers {@code buffers} as fixed buffers 0..n-1 (IORING_REGISTER_BUFFERS): the kernel pins their pages
     * once, so READ_FIXED/WRITE_FIXED/SEND_ZC skip per-I/O pinning. Buffers must be native memory; for O_DIRECT
     * 4 KiB-aligned. Pinned memory counts against RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK.
     */
    public void registerBuffers(MemorySegment... buffers) throws IoUringException {
        long totalBytes = 0;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovecs = scratch.allocate((long) buffers.length * IOVEC_SIZE, 8);
            for (int i = 0; i < buffers.length; i++) {
                if (!buffers[i].isNative()) {
                    throw new IllegalArgumentException("buffer " + i + " is not native memory");
                }
                iovecs.set(LONG, (long) i * IOVEC_SIZE + IOVEC_BASE, buffers[i].address());
                iovecs.set(LONG, (long) i * IOVEC_SIZE + IOVEC_LEN, buffers[i].byteSize());
                totalBytes += buffers[i].byteSize();
            }
            registerBuffers(iovecs, buffers.length, totalBytes);
        }
    }

    private void registerBuffers(MemorySegment iovecs, int count, long totalBytes) throws IoUringException {
        int rc = Syscalls.ioUringRegister(capture, ringFd, IORING_REGISTER_BUFFERS, iovecs.address(), count);
        if (rc < 0) {
            String hint = switch (-rc) {
                case Errno.ENOMEM -> IoUringSupport.describeMemlock() + "; registered buffers count against it ("
                        + count + (count == 1 ? " buffer, " : " buffers, ") + IoUringSupport.humanBytes(totalBytes)
                        + " asked)";
                case Errno.EBUSY -> "buffers are already registered on this ring";
                case Errno.EFAULT -> "a buffer is not plain anonymous or huge-page memory";
                case Errno.EINVAL -> "count 0 or above 16384, or a buffer of 0 bytes or over 1 GiB";
                default -> null;
            };
            throw new IoUringException("io_uring_register", "BUFFERS", -rc, hint);
        }
    }

    /**
     * Registers a table of {@code count} empty fixed-buffer slots (IORING_REGISTER_BUFFERS2 with
     * IORING_RSRC_REGISTER_SPARSE, 5.19+), to be filled one by one with {@link #updateRegisteredBuffer} as buffers
     * come into use — so the kernel pins only the memory actually used.
     */
    public void registerBuffersSparse(int count) throws IoUringException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment reg = scratch.allocate(RSRC_REGISTER_SIZE, 8); // struct io_uring_rsrc_register
            reg.set(INT, RSRC_REGISTER_NR, count);
            reg.set(INT, RSRC_REGISTER_FLAGS, IORING_RSRC_REGISTER_SPARSE);
            register(IORING_REGISTER_BUFFERS2, reg.address(), RSRC_REGISTER_SIZE);
        }
    }

    /**
     * Fills fixed-buffer slot {@code index} of a sparse table with {@code length} bytes at {@code address}
     * (IORING_REGISTER_BUFFERS_UPDATE): the kernel pins those pages now. In-flight I/O on other slots is
     * unaffected. Control path (allocates scratch); called once per slot.
     */
    public void updateRegisteredBuffer(int index, long address, long length) throws IoUringException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovec = scratch.allocate(IOVEC_SIZE, 8);
            iovec.set(LONG, IOVEC_BASE, address);
            iovec.set(LONG, IOVEC_LEN, length);
            MemorySegment update = scratch.allocate(RSRC_UPDATE2_SIZE, 8);
            update.set(INT, RSRC_UPDATE2_OFFSET, index);
            update.set(LONG, RSRC_UPDATE2_DATA, iovec.address());
            update.set(INT, RSRC_UPDATE2_NR, 1);
            int rc = Syscalls.ioUringRegister(capture, ringFd, IORING_REGISTER_BUFFERS_UPDATE, update.address(),
                    RSRC_UPDATE2_SIZE);
            if (rc < 0) {
                String hint = rc == -Errno.ENOMEM ? IoUringSupport.describeMemlock()
                        + "; registered buffers count against it" : null;
                throw new IoUringException("io_uring_register", "BUFFERS_UPDATE", -rc, hint);
            }
        }
    }

    /**
     * Registers {@code fds} as fixed files 0..n-1 (IORING_REGISTER_FILES): an SQE with IOSQE_FIXED_FILE then names
     * a file by its index, and the kernel skips the descriptor-table lookup and reference counting per I/O.
     */
    public void registerFiles(int[] fds) throws IoUringException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment table = scratch.allocate((long) fds.length * Integer.BYTES, 8);
            for (int i = 0; i < fds.length; i++) {
                table.setAtIndex(INT, i, fds[i]);
            }
            register(IORING_REGISTER_FILES, table.address(), fds.length);
        }
    }

    /**
     * Drops the fixed-file table (IORING_UNREGISTER_FILES), synchronously: the ring's own teardown after close is
     * asynchronous and would hold the files a while longer (a file system could not be unmounted yet).
     */
    public void unregisterFiles() throws IoUringException {
        register(IORING_UNREGISTER_FILES, 0L, 0);
    }

    public void unregisterBuffers() throws IoUringException {
        register(IORING_UNREGISTER_BUFFERS, 0L, 0);
    }

    private void register(int opcode, long arg, int nrArgs) throws IoUringException {
        int rc = Syscalls.ioUringRegister(capture, ringFd, opcode, arg, nrArgs);
        if (rc < 0) {
            throw new IoUringException("io_uring_register", registerOpName(opcode), -rc);
        }
    }

    // ================================================================================================ close

    /**
     * Unmaps the rings and closes the ring fd; the kernel then cancels whatever is still in flight and releases
     * registered buffers. Idempotent; must run on the owner thread.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            arena.close(); // munmaps the rings and SQEs, frees the wait argument
        } finally {
            Libc.closeQuietly(ringFd);
        }
    }

    /**
     * Closes the ring fd and never throws: it runs in {@link #close()} (which callers rely on not to fail) and
     * after a failed {@link #open}, where the setup error is the one to report. There is nothing to do about a
     * failure anyway: Linux releases the descriptor even when close reports an error (EINTR, EIO), and the ring's
     * memory is already unmapped.
     */

    @Override
    public String toString() {
        return "IoUring[fd=" + ringFd + ", sq=" + sqEntries + ", cq=" + cqEntries + ", setup=0x"
                + Integer.toHexString(setupFlags) + ", features=0x" + Integer.toHexString(features) + ']';
    }
}
