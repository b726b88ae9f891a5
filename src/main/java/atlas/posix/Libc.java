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
 * The few libc calls the store and the event loops need, bound with the FFM API (no JNI).
 * <p>
 * errno is captured by the linker ({@code captureCallState("errno")}) right after the call returns, before the
 * JVM can clobber it; each thread keeps one small capture segment so that a call allocates nothing. Failures
 * throw {@link PosixException}; {@code EINTR} is retried where a retry is the right answer.
 * <p>
 * None of these handles uses {@code Linker.Option.critical}: every call here can block (disk I/O, fsync), and a
 * critical call would hold off the garbage collector for its whole duration.
 * <p>
 * Constants are the x86_64 Linux values from the kernel's uapi headers
 * ({@code asm-generic/fcntl.h}, {@code asm-generic/errno-base.h}, {@code linux/falloc.h}).
 */
// Restricted FFM methods (downcallHandle, withTargetLayout) are the point of this class; the JVM is run with
// --enable-native-access=ALL-UNNAMED.
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

    // --- mmap(2) protections and flags, asm-generic/mman-common.h (x86-64 values) ---
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    // --- fallocate(2) modes, linux/falloc.h ---
    /** 0: allocate and extend the file size when the range passes the end. */
    public static final int FALLOC_DEFAULT = 0;
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;

    // --- errno values, asm-generic/errno-base.h ---
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;

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
    private static final MethodHandle CLOSE = Downcalls.bind("close", FunctionDescriptor.of(INT, INT), Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle PREAD = Downcalls.bind("pread", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG),
            Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle PWRITE = Downcalls.bind("pwrite", FunctionDescriptor.of(LONG, INT, PTR, LONG, LONG),
            Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle FALLOCATE = Downcalls.bind("fallocate",
            FunctionDescriptor.of(INT, INT, INT, LONG, LONG), Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle FDATASYNC = Downcalls.bind("fdatasync", FunctionDescriptor.of(INT, INT), Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle FSYNC = Downcalls.bind("fsync", FunctionDescriptor.of(INT, INT), Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle FTRUNCATE = Downcalls.bind("ftruncate", FunctionDescriptor.of(INT, INT, LONG),
            Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle SCHED_SETAFFINITY = Downcalls.bind("sched_setaffinity",
            FunctionDescriptor.of(INT, INT, LONG, PTR), Downcalls.CAPTURE_ERRNO);
    // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off): the address as a long.
    private static final MethodHandle MMAP = Downcalls.bind("mmap",
            FunctionDescriptor.of(LONG, LONG, LONG, INT, INT, INT, LONG), Downcalls.CAPTURE_ERRNO);
    // For the arena's cleanup action, which has no capture area: a failing munmap there cannot be reported.
    private static final MethodHandle MUNMAP = Downcalls.bind("munmap", FunctionDescriptor.of(INT, LONG, LONG));
    private static final MethodHandle STRERROR = Downcalls.bind("strerror", FunctionDescriptor.of(C_STRING, INT));
    // glibc >= 2.32; null on older libcs, then names fall back to "errno N".
    private static final MethodHandle STRERRORNAME_NP = Downcalls.bindIfPresent("strerrorname_np",
            FunctionDescriptor.of(C_STRING, INT));

    /** One errno capture area per thread, so that calls on the data path allocate nothing. */
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Downcalls.newCaptureArea(Arena.ofAuto()));

    private Libc() {
    }

    private static int errno(MemorySegment capture) {
        return Downcalls.errno(capture);
    }

    private static String fdName(int fd) {
        return "fd " + fd;
    }

    /** open(2). Returns the new file descriptor. Control path: allocates the C string. */
    public static int open(String path, int flags, int mode) throws PosixException {
        MemorySegment capture = CAPTURE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd = (int) OPEN.invokeExact(capture, cPath, flags, mode);
                if (fd >= 0) {
                    return fd;
                }
                int err = errno(capture);
                if (err != EINTR) {
                    throw new PosixException("open", path, err);
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** close(2). Never retried on EINTR: on Linux the descriptor is already released then. */
    public static void close(int fd) throws PosixException {
        MemorySegment capture = CAPTURE.get();
        int rc;
        try {
            rc = (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
        if (rc != 0 && errno(capture) != EINTR) {
            throw new PosixException("close", fdName(fd), errno(capture));
        }
    }

    /**
     * pread(2) of up to {@code count} bytes into {@code dst} (a native segment). Returns the bytes read, which is
     * short at end of file (0 at or past it) and may be short otherwise; callers loop.
     */
    public static long pread(int fd, MemorySegment dst, long count, long offsetBytes) throws PosixException {
        checkNative(dst, count);
        MemorySegment capture = CAPTURE.get();
        while (true) {
            long n;
            try {
                n = (long) PREAD.invokeExact(capture, fd, dst, count, offsetBytes);
            } catch (Throwable t) {
                throw linkageFailure(t);
            }
            if (n >= 0) {
                return n;
            }
            int err = errno(capture);
            if (err != EINTR) {
                throw new PosixException("pread", fdName(fd), err);
            }
        }
    }

    /** pwrite(2) of up to {@code count} bytes from {@code src} (a native segment). Returns the bytes written. */
    public static long pwrite(int fd, MemorySegment src, long count, long offsetBytes) throws PosixException {
        checkNative(src, count);
        MemorySegment capture = CAPTURE.get();
        while (true) {
            long n;
            try {
                n = (long) PWRITE.invokeExact(capture, fd, src, count, offsetBytes);
            } catch (Throwable t) {
                throw linkageFailure(t);
            }
            if (n >= 0) {
                return n;
            }
            int err = errno(capture);
            if (err != EINTR) {
                throw new PosixException("pwrite", fdName(fd), err);
            }
        }
    }

    /** fallocate(2): reserve blocks for {@code [offset, offset + len)}; mode 0 also extends the file size. */
    public static void fallocate(int fd, int mode, long offsetBytes, long lengthBytes) throws PosixException {
        MemorySegment capture = CAPTURE.get();
        while (true) {
            int rc;
            try {
                rc = (int) FALLOCATE.invokeExact(capture, fd, mode, offsetBytes, lengthBytes);
            } catch (Throwable t) {
                throw linkageFailure(t);
            }
            if (rc == 0) {
                return;
            }
            int err = errno(capture);
            if (err != EINTR) {
                throw new PosixException("fallocate", fdName(fd), err);
            }
        }
    }

    public static void fdatasync(int fd) throws PosixException {
        syncCall(FDATASYNC, "fdatasync", fd);
    }

    public static void fsync(int fd) throws PosixException {
        syncCall(FSYNC, "fsync", fd);
    }

    private static void syncCall(MethodHandle handle, String operation, int fd) throws PosixException {
        MemorySegment capture = CAPTURE.get();
        while (true) {
            int rc;
            try {
                rc = (int) handle.invokeExact(capture, fd);
            } catch (Throwable t) {
                throw linkageFailure(t);
            }
            if (rc == 0) {
                return;
            }
            int err = errno(capture);
            if (err != EINTR) {
                throw new PosixException(operation, fdName(fd), err);
            }
        }
    }

    public static void ftruncate(int fd, long lengthBytes) throws PosixException {
        MemorySegment capture = CAPTURE.get();
        while (true) {
            int rc;
            try {
                rc = (int) FTRUNCATE.invokeExact(capture, fd, lengthBytes);
            } catch (Throwable t) {
                throw linkageFailure(t);
            }
            if (rc == 0) {
                return;
            }
            int err = errno(capture);
            if (err != EINTR) {
                throw new PosixException("ftruncate", fdName(fd), err);
            }
        }
    }

    /**
     * Reserves {@code bytes} of anonymous, page-aligned memory that costs nothing until touched: a private
     * mapping with MAP_NORESERVE, so neither RSS nor the commit charge grows until a page is first written (or
     * pinned by io_uring). The mapping lives until {@code arena} closes. Control path.
     */
    @SuppressWarnings("restricted") // reinterpret of the mmap result; run with --enable-native-access
    public static MemorySegment mapReserved(long bytes, Arena arena) throws PosixException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("mapping of " + bytes + " bytes");
        }
        MemorySegment capture = CAPTURE.get();
        long address;
        try {
            address = (long) MMAP.invokeExact(capture, 0L, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
        if (address == -1L) {
            throw new PosixException("mmap", bytes + " anonymous bytes", errno(capture));
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, segment -> unmapQuietly(address, bytes));
    }

    private static void unmapQuietly(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(address, bytes);
        } catch (Throwable t) {
            throw linkageFailure(t);
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
        MemorySegment capture = CAPTURE.get();
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            // cpu_set_t is an array of unsigned longs; bit (cpu % 64) of word (cpu / 64).
            mask.setAtIndex(ValueLayout.JAVA_LONG, cpu / 64, 1L << (cpu % 64));
            rc = (int) SCHED_SETAFFINITY.invokeExact(capture, 0, (long) CPU_SET_BYTES, mask);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
        if (rc != 0) {
            throw new PosixException("sched_setaffinity", "cpu " + cpu, errno(capture));
        }
    }

    /** The C library's description of {@code errno}, e.g. "No such file or directory". */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.getString(0);
        } catch (Throwable t) {
            throw linkageFailure(t);
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
                throw linkageFailure(t);
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

    private static RuntimeException linkageFailure(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
