package atlas.posix;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the store, the event loops and the ring need, bound with the FFM API (no JNI) through
 * {@link Downcalls}, which captures errno and turns a failure into a {@link PosixException}. Each thread uses one
 * capture area ({@link Downcalls#threadCaptureArea()}), so a call allocates nothing; {@code EINTR} is retried
 * where a retry is the right answer.
 * <p>
 * None of these handles uses {@code Linker.Option.critical}: every call here can block (disk I/O, fsync), and a
 * critical call would hold off the garbage collector for its whole duration.
 * <p>
 * Constants are the x86_64 Linux values from the kernel's uapi headers
 * ({@code asm-generic/fcntl.h}, {@code asm-generic/mman-common.h}, {@code linux/falloc.h},
 * {@code asm-generic/resource.h}); errno values are in {@link Errno}.
 */
// Restricted FFM methods (downcallHandle, withTargetLayout, reinterpret) are the point of this class; the JVM is
// run with --enable-native-access=ALL-UNNAMED.
@SuppressWarnings("restricted")
public final class Libc {
    // --- open(2) flags, asm-generic/fcntl.h (octal there) ---
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_NONBLOCK = 04000;
    public static final int F_SETFL = 4;

    // --- mmap(2) protections and flags, asm-generic/mman-common.h, mman.h (x86-64 values) ---
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** madvise(2): the range's pages may be dropped; anonymous private memory reads as zeros after. */
    public static final int MADV_DONTNEED = 4;
    public static final int MAP_POPULATE = 0x8000;

    // --- fallocate(2) modes, linux/falloc.h ---
    /** 0: allocate and extend the file size when the range passes the end. */
    public static final int EFD_CLOEXEC = 02000000;
    public static final int EFD_NONBLOCK = 04000;
    public static final int FALLOC_DEFAULT = 0;
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int MFD_CLOEXEC = 0x0001;

    // --- getrlimit(2), asm-generic/resource.h ---
    public static final int RLIMIT_MEMLOCK = 8;
    /** rlim_t's "no limit" (~0UL). */
    public static final long RLIM_INFINITY = -1L;

    /** sizeof(cpu_set_t) in glibc: 1024 CPUs, one bit each. */
    private static final int CPU_SET_BYTES = 128;

    private static final AddressLayout C_STRING =
            ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(Long.MAX_VALUE, ValueLayout.JAVA_BYTE));

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final AddressLayout PTR = ValueLayout.ADDRESS;

    // open is variadic: the mode is the first variadic argument (index 2), promoted to int.
    private static final MethodHandle OPEN = Downcalls.bind("open", FunctionDescriptor.of(INT, PTR, INT, INT),
            Downcalls.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle PREAD = bind("pread", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle PWRITE = bind("pwrite", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(LONG, INT, PTR, LONG));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(INT, INT, INT));
    private static final MethodHandle FALLOCATE = bind("fallocate", FunctionDescriptor.of(INT, INT, INT, LONG, LONG));
    // fcntl is variadic: the argument is the first variadic one (index 2), an int for F_SETFL.
    private static final MethodHandle FCNTL = Downcalls.bind("fcntl", FunctionDescriptor.of(INT, INT, INT, INT),
            Downcalls.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MEMFD_CREATE = bind("memfd_create", FunctionDescriptor.of(INT, PTR, INT));
    // ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
    private static final MethodHandle SENDFILE = bind("sendfile", FunctionDescriptor.of(LONG, INT, INT, PTR, LONG));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle FSYNC = bind("fsync", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle MADVISE = bind("madvise", FunctionDescriptor.of(INT, LONG, LONG, INT));
    private static final MethodHandle FTRUNCATE = bind("ftruncate", FunctionDescriptor.of(INT, INT, LONG));
    private static final MethodHandle SCHED_SETAFFINITY = bind("sched_setaffinity",
            FunctionDescriptor.of(INT, INT, LONG, PTR));
    // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off): the address as a long.
    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(LONG, LONG, LONG, INT, INT, INT, LONG));
    // For the arena's cleanup action, which has no errno to report to anyone.
    private static final MethodHandle MUNMAP = Downcalls.bind("munmap", FunctionDescriptor.of(INT, LONG, LONG));
    private static final MethodHandle GETRLIMIT = bind("getrlimit", FunctionDescriptor.of(INT, INT, PTR));
    private static final MethodHandle STRERROR = Downcalls.bind("strerror", FunctionDescriptor.of(C_STRING, INT));
    // glibc >= 2.32; null on older libcs, then names fall back to "errno N".
    private static final MethodHandle STRERRORNAME_NP = Downcalls.bindIfPresent("strerrorname_np",
            FunctionDescriptor.of(C_STRING, INT));

    private Libc() {
    }

    /** Every call here but munmap and the strerror family reports failures through errno. */
    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return Downcalls.bind(name, descriptor, Downcalls.CAPTURE_ERRNO);
    }

    /** open(2). Returns the new file descriptor. Control path: allocates the C string. */
    public static int open(String path, int flags, int mode) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            do {
                res = Downcalls.result((int) OPEN.invokeExact(capture, cPath, flags, mode), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return (int) Downcalls.check(res, "open", path);
    }

    /** close(2). Never retried on EINTR: on Linux the descriptor is already released then. */
    public static void close(int fd) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) CLOSE.invokeExact(capture, fd), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        if (res != -Errno.EINTR) {
            Downcalls.check(res, "close", fd);
        }
    }

    /**
     * close(2) where nothing useful can be done about a failure (tear-down, a refused connection): the descriptor
     * is released by the kernel either way.
     */
    public static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (PosixException ignored) {
            // Nothing to act on.
        }
    }

    /**
     * pread(2) of up to {@code count} bytes into {@code dst} (a native segment). Returns the bytes read, which is
     * short at end of file (0 at or past it) and may be short otherwise; callers loop.
     */
    public static long pread(int fd, MemorySegment dst, long count, long offsetBytes) throws PosixException {
        checkNative(dst, count);
        MemorySegment capture = Downcalls.threadCaptureArea();
        long res;
        try {
            do {
                res = Downcalls.result((long) PREAD.invokeExact(capture, fd, dst, count, offsetBytes), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return Downcalls.check(res, "pread", fd);
    }

    /** pwrite(2) of up to {@code count} bytes from {@code src} (a native segment). Returns the bytes written. */
    public static long pwrite(int fd, MemorySegment src, long count, long offsetBytes) throws PosixException {
        checkNative(src, count);
        MemorySegment capture = Downcalls.threadCaptureArea();
        long res;
        try {
            do {
                res = Downcalls.result((long) PWRITE.invokeExact(capture, fd, src, count, offsetBytes), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return Downcalls.check(res, "pwrite", fd);
    }

    /** write(2) of up to {@code count} bytes from {@code src} (a native segment) at the file position. */
    public static long write(int fd, MemorySegment src, long count) throws PosixException {
        checkNative(src, count);
        MemorySegment capture = Downcalls.threadCaptureArea();
        long res;
        try {
            do {
                res = Downcalls.result((long) WRITE.invokeExact(capture, fd, src, count), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return Downcalls.check(res, "write", fd);
    }

    /** eventfd(2): a counter descriptor another thread can write to wake a loop reading it. */
    public static int eventfd(int initialValue, int flags) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) EVENTFD.invokeExact(capture, initialValue, flags), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return (int) Downcalls.check(res, "eventfd", "counter");
    }

    /** fallocate(2): reserve blocks for {@code [offset, offset + len)}; mode 0 also extends the file size. */
    public static void fallocate(int fd, int mode, long offsetBytes, long lengthBytes) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            do {
                res = Downcalls.result((int) FALLOCATE.invokeExact(capture, fd, mode, offsetBytes, lengthBytes),
                        capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "fallocate", fd);
    }

    /** memfd_create(2): an anonymous memory file (shmem), named {@code name} in /proc/PID/fd. Control path. */
    public static int memfdCreate(String name, int flags) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try (Arena arena = Arena.ofConfined()) {
            res = Downcalls.result((int) MEMFD_CREATE.invokeExact(capture, arena.allocateFrom(name), flags), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        return (int) Downcalls.check(res, "memfd_create", name);
    }

    /**
     * fcntl(F_SETFL): sets the status flags {@code flags} (O_NONBLOCK, O_APPEND, ...; those not given are cleared).
     * Returns 0 or -errno. Allocates nothing.
     */
    public static int setStatusFlags(int fd, int flags) {
        MemorySegment capture = Downcalls.threadCaptureArea();
        try {
            return Downcalls.result((int) FCNTL.invokeExact(capture, fd, F_SETFL, flags), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }

    /**
     * sendfile(2) of up to {@code count} bytes of {@code inFd} at {@code offsetBytes} to socket {@code outFd}: the
     * bytes sent (the socket takes references to the file's pages, no copy), or -errno — -EAGAIN when a non-blocking
     * socket has no room. {@code offsetSlot} is 8 bytes of the caller's native memory (sendfile's off_t argument).
     * Data path: allocates nothing.
     */
    public static long sendfile(int outFd, int inFd, MemorySegment offsetSlot, long offsetBytes, long count) {
        MemorySegment capture = Downcalls.threadCaptureArea();
        offsetSlot.set(LONG, 0, offsetBytes);
        try {
            long res;
            do {
                res = Downcalls.result((long) SENDFILE.invokeExact(capture, outFd, inFd, offsetSlot, count), capture);
            } while (res == -Errno.EINTR);
            return res;
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }

    public static void fdatasync(int fd) throws PosixException {
        syncCall(FDATASYNC, "fdatasync", fd);
    }

    public static void fsync(int fd) throws PosixException {
        syncCall(FSYNC, "fsync", fd);
    }

    private static void syncCall(MethodHandle handle, String operation, int fd) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            do {
                res = Downcalls.result((int) handle.invokeExact(capture, fd), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, operation, fd);
    }

    public static void ftruncate(int fd, long lengthBytes) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            do {
                res = Downcalls.result((int) FTRUNCATE.invokeExact(capture, fd, lengthBytes), capture);
            } while (res == -Errno.EINTR);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "ftruncate", fd);
    }

    /**
     * Reserves {@code bytes} of anonymous, page-aligned memory that costs nothing until touched: a private
     * mapping with MAP_NORESERVE, so neither RSS nor the commit charge grows until a page is first written (or
     * pinned by io_uring). The mapping lives until {@code arena} closes. Control path.
     */
    public static MemorySegment mapReserved(long bytes, Arena arena) throws PosixException {
        return map(bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L, arena,
                bytes + " anonymous bytes");
    }

    /**
     * mmap(2) of {@code bytes} of {@code fd} at {@code offsetBytes} ({@code fd} -1 with MAP_ANONYMOUS), unmapped
     * when {@code arena} closes. {@code what} names the mapping in the error. Control path.
     */
    public static MemorySegment map(long bytes, int prot, int flags, int fd, long offsetBytes, Arena arena,
                                    String what) throws PosixException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("mapping of " + bytes + " bytes");
        }
        MemorySegment capture = Downcalls.threadCaptureArea();
        long res;
        try {
            res = Downcalls.result((long) MMAP.invokeExact(capture, 0L, bytes, prot, flags, fd, offsetBytes), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        long address = Downcalls.check(res, "mmap", what); // user addresses are positive on x86-64
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, segment -> unmapQuietly(address, bytes));
    }

    /**
     * madvise(2) on {@code segment}'s pages, e.g. {@link #MADV_DONTNEED} to give memory back while keeping the
     * address range (the next touch gets a zeroed page). Control path.
     */
    public static void madvise(MemorySegment segment, int advice) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try {
            res = Downcalls.result((int) MADVISE.invokeExact(capture, segment.address(), segment.byteSize(), advice),
                    capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "madvise", segment.byteSize() + " bytes");
    }

    /**
     * munmap(2) for an arena's cleanup action, which has nobody to report to: the result is ignored (munmap only
     * fails for a range that was never mapped, a bug an arena cannot have).
     */
    private static void unmapQuietly(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(address, bytes);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t); // an Error, or a handle of the wrong type: not an outcome
        }
    }

    /** getrlimit(2): {@code {soft, hard}}, {@link #RLIM_INFINITY} for unlimited. Control path. */
    public static long[] getrlimit(int resource) throws PosixException {
        MemorySegment capture = Downcalls.threadCaptureArea();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rlimit = arena.allocate(16, 8); // struct rlimit { rlim_t rlim_cur, rlim_max; }
            int res;
            try {
                res = Downcalls.result((int) GETRLIMIT.invokeExact(capture, resource, rlimit), capture);
            } catch (Throwable t) {
                throw Downcalls.invocationFailure(t);
            }
            Downcalls.check(res, "getrlimit", "resource " + resource);
            return new long[] {rlimit.get(LONG, 0), rlimit.get(LONG, 8)};
        }
    }

    /**
     * Pins the calling thread to one CPU with {@code sched_setaffinity(0, ...)} (pid 0 = the calling thread, since
     * Java threads are kernel tasks). The per-core event loops call this first thing.
     */
    public static void pinCurrentThreadToCpu(int cpu) throws PosixException {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            throw new IllegalArgumentException("cpu " + cpu + " outside 0.." + (CPU_SET_BYTES * 8 - 1));
        }
        MemorySegment capture = Downcalls.threadCaptureArea();
        int res;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            // cpu_set_t is an array of unsigned longs; bit (cpu % 64) of word (cpu / 64).
            mask.setAtIndex(ValueLayout.JAVA_LONG, cpu / 64, 1L << (cpu % 64));
            res = Downcalls.result((int) SCHED_SETAFFINITY.invokeExact(capture, 0, (long) CPU_SET_BYTES, mask),
                    capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
        Downcalls.check(res, "sched_setaffinity", "cpu " + cpu);
    }

    /** The C library's description of {@code errno}, e.g. "No such file or directory". */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.getString(0);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }

    /** The symbolic name of {@code errno}, e.g. "ENOENT", or "errno N" when libc does not know it. */
    public static String errnoName(int errno) {
        if (STRERRORNAME_NP != null) {
            try {
                MemorySegment s = (MemorySegment) STRERRORNAME_NP.invokeExact(errno);
                if (!s.equals(MemorySegment.NULL)) {
                    return s.getString(0);
                }
            } catch (Throwable t) {
                throw Downcalls.invocationFailure(t);
            }
        }
        return "errno " + errno;
    }

    private static void checkNative(MemorySegment segment, long count) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("I/O needs a native segment, got a heap segment");
        }
        if (count < 0 || count > segment.byteSize()) {
            throw new IllegalArgumentException("count " + count + " outside segment of " + segment.byteSize());
        }
    }
}
