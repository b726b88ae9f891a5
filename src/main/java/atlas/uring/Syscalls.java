package atlas.uring;

import atlas.posix.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The raw system calls behind the ring: {@code io_uring_setup/enter/register} through libc's variadic
 * {@code syscall(long number, ...)}, and {@code mmap}, {@code munmap}, {@code getrlimit}.
 * <p>
 * Every method returns the kernel's convention: a non-negative result, or {@code -errno} (read from the
 * linker-captured call state right after the call, before the JVM can clobber it). Callers pass their own capture
 * segment, so that a call on the data path allocates nothing.
 * <p>
 * {@code syscall} is variadic: {@code Linker.Option.firstVariadicArg(1)} and every argument passed as a
 * {@code long} (pointers as their address), exactly as the C default argument promotions would. None of these
 * handles is {@code Linker.Option.critical}: {@code io_uring_enter} blocks when it waits, and a critical call would
 * hold off the garbage collector meanwhile.
 */
@SuppressWarnings("restricted") // downcallHandle is the point of this class; run with --enable-native-access
final class Syscalls {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    // long syscall(long number, ...): 2, 4 and 6 variadic arguments.
    private static final MethodHandle SYSCALL2 = Downcalls.bind("syscall", FunctionDescriptor.of(LONG, LONG, LONG, LONG),
            Downcalls.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL4 = Downcalls.bind("syscall",
            FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG), Downcalls.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL6 = Downcalls.bind("syscall",
            FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG), Downcalls.CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(1));
    // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off): the address as a long.
    private static final MethodHandle MMAP = Downcalls.bind("mmap",
            FunctionDescriptor.of(LONG, LONG, LONG, INT, INT, INT, LONG), Downcalls.CAPTURE_ERRNO);
    private static final MethodHandle MUNMAP = Downcalls.bind("munmap", FunctionDescriptor.of(INT, LONG, LONG), Downcalls.CAPTURE_ERRNO);
    // For cleanup actions, which have no capture segment to hand: a failing munmap there is only reported.
    private static final MethodHandle MUNMAP_NO_ERRNO = Downcalls.bind("munmap", FunctionDescriptor.of(INT, LONG, LONG));
    private static final MethodHandle GETRLIMIT = Downcalls.bind("getrlimit", FunctionDescriptor.of(INT, INT, LONG),
            Downcalls.CAPTURE_ERRNO);

    private Syscalls() {
    }

    static MemorySegment allocateCapture(Arena arena) {
        return Downcalls.newCaptureArea(arena);
    }

    private static long result(long rc, MemorySegment capture) {
        return rc >= 0 ? rc : -Downcalls.errno(capture);
    }

    /** io_uring_setup(entries, params). Returns the ring fd or -errno. */
    static int ioUringSetup(MemorySegment capture, int entries, MemorySegment params) {
        try {
            long rc = (long) SYSCALL2.invokeExact(capture, (long) IoUringConstants.SYS_io_uring_setup,
                    (long) entries, params.address());
            return (int) result(rc, capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz). Returns the SQEs consumed or -errno. */
    static int ioUringEnter(MemorySegment capture, int fd, int toSubmit, int minComplete, int flags, long arg,
                            long argSize) {
        try {
            long rc = (long) SYSCALL6.invokeExact(capture, (long) IoUringConstants.SYS_io_uring_enter, (long) fd,
                    (long) toSubmit, (long) minComplete, (long) flags, arg, argSize);
            return (int) result(rc, capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** io_uring_register(fd, opcode, arg, nr_args). Returns the opcode's result or -errno. */
    static int ioUringRegister(MemorySegment capture, int fd, int opcode, long arg, int nrArgs) {
        try {
            long rc = (long) SYSCALL4.invokeExact(capture, (long) IoUringConstants.SYS_io_uring_register, (long) fd,
                    (long) opcode, arg, (long) nrArgs);
            return (int) result(rc, capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap of a shared mapping of {@code fd}. Returns the address, or -errno (user addresses are positive). */
    static long mmap(MemorySegment capture, long length, int prot, int flags, int fd, long offset) {
        try {
            long addr = (long) MMAP.invokeExact(capture, 0L, length, prot, flags, fd, offset);
            return addr == -1L ? -Downcalls.errno(capture) : addr;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(MemorySegment capture, long address, long length) {
        try {
            return (int) result((int) MUNMAP.invokeExact(capture, address, length), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** munmap for arena cleanup actions: returns 0 or -1, errno not captured. */
    static int munmapQuietly(long address, long length) {
        try {
            return (int) MUNMAP_NO_ERRNO.invokeExact(address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getrlimit(resource): {@code {soft, hard}}, {@link IoUringConstants#RLIM_INFINITY} for unlimited. */
    static long[] getrlimit(int resource) throws IoUringException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = allocateCapture(arena);
            MemorySegment rlimit = arena.allocate(16, 8);
            int rc = (int) result((int) GETRLIMIT.invokeExact(capture, resource, rlimit.address()), capture);
            if (rc < 0) {
                throw new IoUringException("getrlimit", "resource " + resource, -rc);
            }
            return new long[] {rlimit.get(LONG, 0), rlimit.get(LONG, 8)};
        } catch (IoUringException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
