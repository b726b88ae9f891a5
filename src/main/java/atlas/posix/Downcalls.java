package atlas.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place that binds libc functions over FFM, reads the errno they leave behind and turns a failure into a
 * result or an exception: {@link Libc}, the socket calls and the io_uring syscalls all go through here.
 * <p>
 * errno must be captured by the linker ({@link #CAPTURE_ERRNO}) into a capture area handed to each call: by the
 * time Java code runs after a downcall, the JVM may have overwritten the thread's errno.
 * <p>
 * Every call through a handle bound with {@link #CAPTURE_ERRNO} has the same shape:
 * <pre>{@code
 * long res;
 * try {
 *     res = Downcalls.result((long) PREAD.invokeExact(capture, fd, dst, count, offset), capture); // n or -errno
 * } catch (Throwable t) {
 *     throw Downcalls.invocationFailure(t);
 * }
 * return Downcalls.check(res, "pread", fd);  // PosixException "pread(fd 7): Invalid argument (EINVAL)"
 * }</pre>
 * {@link #result} gives the kernel's own convention (a non-negative result or {@code -errno}, as in a CQE's
 * {@code res}): callers that retry (EINTR) or treat an errno as an expected outcome compare it against
 * {@link Errno} constants, allocating nothing. {@link #check} is the single place a failed call becomes a
 * {@link PosixException} naming the call and what it was applied to.
 */
@SuppressWarnings("restricted") // downcallHandle is the point of this class; run with --enable-native-access
public final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Pass to {@link #bind} for calls whose errno matters. */
    public static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One capture area per thread, so that a call on the data path allocates nothing. */
    private static final ThreadLocal<MemorySegment> THREAD_CAPTURE =
            ThreadLocal.withInitial(() -> newCaptureArea(Arena.ofAuto()));

    private Downcalls() {
    }

    /** A handle to libc's {@code name}; fails class initialisation with a clear error if libc lacks it. */
    public static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** As {@link #bind}, or null when this libc does not have {@code name}. */
    public static MethodHandle bindIfPresent(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(a -> LINKER.downcallHandle(a, descriptor)).orElse(null);
    }

    /** A capture area for calls bound with {@link #CAPTURE_ERRNO}. */
    public static MemorySegment newCaptureArea(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /** The calling thread's capture area, for callers that do not keep their own. */
    public static MemorySegment threadCaptureArea() {
        return THREAD_CAPTURE.get();
    }

    /** The errno a call left in {@code capture}. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /**
     * What a C call returned, in the kernel's convention: {@code rc} itself, or {@code -errno} when the call
     * failed — returned -1 (or {@code MAP_FAILED}, the same bits) and left errno in {@code capture}.
     */
    public static long result(long rc, MemorySegment capture) {
        return rc == -1L ? -errno(capture) : rc;
    }

    /** {@link #result(long, MemorySegment)} for calls that return an int. */
    public static int result(int rc, MemorySegment capture) {
        return rc == -1 ? -errno(capture) : rc;
    }

    /**
     * {@code res} (from {@link #result}) when it is not negative; otherwise fails with a {@link PosixException}
     * naming {@code operation} and {@code target} (a path, {@code "host:port"}, ...).
     */
    public static long check(long res, String operation, String target) throws PosixException {
        if (res < 0) {
            throw new PosixException(operation, target, (int) -res);
        }
        return res;
    }

    /** {@link #check(long, String, String)} for a call on {@code fd}; the name "fd N" is built only on failure. */
    public static long check(long res, String operation, int fd) throws PosixException {
        if (res < 0) {
            throw new PosixException(operation, "fd " + fd, (int) -res);
        }
        return res;
    }

    /**
     * What to throw when {@code invokeExact} itself threw — never the call's own failure, which is errno: an
     * {@link Error} is rethrown as is, a {@link RuntimeException} (a handle used with the wrong types: a bug) is
     * returned for the caller to throw, anything else is wrapped.
     */
    public static RuntimeException invocationFailure(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException("native call failed", t);
    }
}
