package atlas.store;

import atlas.posix.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One device of the volume: its file ({@link DataFile}: the descriptors every core reads and writes it through),
 * its free space ({@link ExtentAllocator}), its health and its counters. Objects live whole on one device
 * ({@link Placement} picks which), so a failing device costs exactly the objects on it.
 * <p>
 * <b>Health.</b> A device is {@link State#FAILED} once it reports a vanished medium (ENXIO, ENODEV) or
 * {@value #FAILURE_STREAK} read errors in a row with no good read in between — a single bad extent (EIO on one
 * object, see ExtentReadErrorIT) fails that one object, not the device. A failed device is not read again: its
 * objects are answered at once with 503 and ingest places nothing on it until the process restarts with the
 * device replaced or repaired. Counters are adders (any core bumps them; scrapes sum them).
 * <p>
 * <b>Zero-ahead</b> ({@code volume.dat} only): keeps {@code growStepBytes} of written zeros ahead of the allocator,
 * see {@link DataFile}. A device of fixed size needs none: its blocks exist from the start.
 */
public final class Device {
    /** Read errors in a row, with no good read between them, that make a device failed. */
    public static final int FAILURE_STREAK = 16;

    /** One step of the zero-ahead: published to the allocator as soon as it is written (about 40 ms of disk). */
    static final long ZERO_AHEAD_STEP_BYTES = 16L << 20;
    /** One write of the zero-ahead. */
    static final int ZERO_AHEAD_WRITE_BYTES = 1 << 20;
    /**
     * The zero-ahead leaves at least this much of the file system free: the journals must always be able to grow
     * (a DELETE that frees space needs its journal entry too), and a checkpoint needs room. Growth beyond it is
     * left to allocation (fallocate), which fails with ENOSPC → 507 only when a body really does not fit.
     */
    static final long ZERO_AHEAD_FS_RESERVE_BYTES = 64L << 20;

    public enum State { HEALTHY, FAILED }

    private final int index;
    private final DataFile file;
    private final ExtentAllocator allocator;
    private final long capacityBytes;
    private final long growStepBytes;
    /** Object body writes submitted and not completed, all cores: ingest steers away from a device they pile on. */
    private final AtomicInteger writesInFlight = new AtomicInteger();
    private final AtomicInteger errorStreak = new AtomicInteger();
    private final AtomicLong failedAtMillis = new AtomicLong();
    private final LongAdder readErrors = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private volatile State state = State.HEALTHY;
    private volatile String failure;
    private volatile Thread zeroAhead;
    private volatile boolean closed;

    Device(int index, DataFile file, long growStepBytes, long maxBytes) {
        this.index = index;
        this.file = file;
        this.growStepBytes = growStepBytes;
        this.capacityBytes = file.growable() ? maxBytes : file.sizeBytes();
        this.allocator = new ExtentAllocator(index, file.sizeBytes(), growStepBytes,
                file.growable() ? maxBytes : file.sizeBytes(), file::growTo, file.path().toString());
    }

    public int index() {
        return index;
    }

    public Path path() {
        return file.path();
    }

    /** What the device may hold: its size, or for {@code volume.dat} the most it may grow to. */
    public long capacityBytes() {
        return capacityBytes;
    }

    public long sizeBytes() {
        return allocator.sizeBytes();
    }

    public long freeBytes() {
        return allocator.freeBytes();
    }

    public int readFd() {
        return file.readFd();
    }

    public int writeFd() {
        return file.writeFd();
    }

    public int lazyWriteFd() {
        return file.lazyWriteFd();
    }

    DataFile file() {
        return file;
    }

    ExtentAllocator allocator() {
        return allocator;
    }

    // ---------------------------------------------------------------- health

    public State state() {
        return state;
    }

    public boolean failed() {
        return state == State.FAILED;
    }

    /** Why the device failed, or null. */
    public String failure() {
        return failure;
    }

    public long readErrors() {
        return readErrors.sum();
    }

    public long writeErrors() {
        return writeErrors.sum();
    }

    public int writesInFlight() {
        return writesInFlight.get();
    }

    /** A read of this device completed with {@code result} bytes or {@code -errno} (any core). */
    public void readEnded(int result, boolean shortOfExtent) {
        if (result >= 0 && !shortOfExtent) {
            if (errorStreak.get() != 0) {
                errorStreak.set(0);
            }
            return;
        }
        readErrors.increment();
        int errno = -result;
        if (result < 0 && (errno == Errno.ENXIO || errno == Errno.ENODEV)) {
            fail("the device is gone (errno " + errno + ")");
        } else if (errorStreak.incrementAndGet() >= FAILURE_STREAK) {
            fail(FAILURE_STREAK + " read errors in a row (last: " + (result < 0 ? "errno " + errno
                    : "short read: the device ends before the object") + ")");
        }
    }

    /** An object body write was submitted to this device (any core). */
    public void writeStarted() {
        writesInFlight.incrementAndGet();
    }

    /** That write completed with {@code result} (bytes or {@code -errno}). */
    public void writeEnded(int result) {
        writesInFlight.decrementAndGet();
        if (result < 0) {
            writeErrors.increment();
            int errno = -result;
            if (errno == Errno.ENXIO || errno == Errno.ENODEV) {
                fail("the device is gone (errno " + errno + ")");
            }
        }
    }

    /** Marks the device failed (once); says so on stderr, where operators look first. */
    public void fail(String why) {
        if (failedAtMillis.compareAndSet(0, System.currentTimeMillis())) {
            failure = why;
            state = State.FAILED;
            System.err.println("atlas: device " + index + " (" + file.path() + ") failed: " + why
                    + "; its objects answer 503, new objects go to the other devices");
        }
    }

    // ---------------------------------------------------------------- zero-ahead (volume.dat)

    /** Wakes the zero-ahead when free space fell below a step (or an allocation found nothing). */
    void nudgeZeroAhead(boolean needed) {
        Thread z = zeroAhead;
        if (z != null && (needed || allocator.freeBytes() < growStepBytes)) {
            LockSupport.unpark(z);
        }
    }

    synchronized void startZeroAhead() {
        if (zeroAhead != null || closed || !file.growable()) {
            return;
        }
        Thread t = new Thread(this::zeroAheadLoop, "atlas-zero-ahead");
        t.setDaemon(true);
        zeroAhead = t;
        t.start();
    }

    private void zeroAheadLoop() {
        boolean reported = false;
        Path directory = file.path().getParent();
        try (Arena arena = Arena.ofConfined()) {
            // 1 MiB per write (not the 4 MiB of creation): a PUT's write queued behind one waits ~2.5 ms, not ~10.
            MemorySegment zeros = arena.allocate(ZERO_AHEAD_WRITE_BYTES, Volume.BLOCK_SIZE);
            zeros.fill((byte) 0);
            FileStore fs = Files.getFileStore(directory);
            while (!closed) {
                while (!closed && allocator.freeBytes() < growStepBytes && file.sizeBytes() < allocator.maxBytes()) {
                    long usable = fs.getUsableSpace();
                    if (usable < ZERO_AHEAD_STEP_BYTES + ZERO_AHEAD_FS_RESERVE_BYTES) {
                        if (!reported) {
                            reported = true;
                            System.err.println("atlas: " + directory + ": zero-ahead paused: the file system has "
                                    + (usable >> 20) + " MiB free and keeps " + (ZERO_AHEAD_FS_RESERVE_BYTES >> 20)
                                    + " MiB for the journals; the data file grows by fallocate from here");
                        }
                        break;
                    }
                    allocator.extendTo(file.zeroExtend(ZERO_AHEAD_STEP_BYTES, allocator.maxBytes(), zeros));
                }
                LockSupport.parkNanos(this, 1_000_000_000L);
            }
        } catch (IOException | RuntimeException e) {
            // A write error: allocation falls back to fallocate, which reports a full disk properly (507).
            System.err.println("atlas: " + directory + ": zero-ahead of the data file stopped: " + e.getMessage());
        }
    }

    /** Stops the zero-ahead (waiting for its current step: the file must not close under it), closes the file. */
    void close() throws IOException {
        closed = true;
        Thread t = zeroAhead;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        file.close();
    }

    @Override
    public String toString() {
        return "device " + index + " (" + file.path() + ")";
    }
}
