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
 * The one place that binds libc functions over FFM and reads the errno they leave behind: {@link Libc}, the
 * socket calls and the io_uring syscalls all bind through here.
 * <p>
 * errno must be captured by the linker ({@link #CAPTURE_ERRNO}) into a capture area handed to each call: by the
 * time Java code runs after a downcall, the JVM may have overwritten the thread's errno.
 */
@SuppressWarnings("restricted") // downcallHandle is the point of this class; run with --enable-native-access
public final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Pass to {@link #bind} for calls whose errno matters. */
    public static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

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

    /** The errno a call left in {@code capture}. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }
}
