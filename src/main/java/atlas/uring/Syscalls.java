package atlas.uring;

import atlas.posix.Downcalls;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The three io_uring system calls, {@code io_uring_setup/enter/register}, through libc's variadic
 * {@code syscall(long number, ...)}; the ring's other libc calls (mmap, close) are in {@code atlas.posix.Libc}.
 * <p>
 * Every method returns the kernel's convention, {@link Downcalls#result}: a non-negative result, or {@code -errno}
 * — {@link IoUring} treats some errnos as sentinels (EINTR, EAGAIN, EBUSY, ETIME) and turns the rest into an
 * {@link IoUringException} with a hint. Callers pass their own capture segment, so that a call on the data path
 * allocates nothing.
 * <p>
 * {@code syscall} is variadic: {@code Linker.Option.firstVariadicArg(1)} and every argument passed as a
 * {@code long} (pointers as their address), exactly as the C default argument promotions would. None of these
 * handles is {@code Linker.Option.critical}: {@code io_uring_enter} blocks when it waits, and a critical call would
 * hold off the garbage collector meanwhile.
 */
final class Syscalls {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    // long syscall(long number, ...): 2, 4 and 6 variadic arguments.
    private static final MethodHandle SYSCALL2 = bindSyscall(FunctionDescriptor.of(LONG, LONG, LONG, LONG));
    private static final MethodHandle SYSCALL4 = bindSyscall(FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG,
            LONG));
    private static final MethodHandle SYSCALL6 = bindSyscall(FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG,
            LONG, LONG, LONG));

    private Syscalls() {
    }

    private static MethodHandle bindSyscall(FunctionDescriptor descriptor) {
        return Downcalls.bind("syscall", descriptor, Downcalls.CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    static MemorySegment allocateCapture(Arena arena) {
        return Downcalls.newCaptureArea(arena);
    }

    /** io_uring_setup(entries, params). Returns the ring fd or -errno. */
    static int ioUringSetup(MemorySegment capture, int entries, MemorySegment params) {
        try {
            return (int) Downcalls.result((long) SYSCALL2.invokeExact(capture,
                    (long) IoUringConstants.SYS_io_uring_setup, (long) entries, params.address()), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }

    /** io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz). Returns the SQEs consumed or -errno. */
    static int ioUringEnter(MemorySegment capture, int fd, int toSubmit, int minComplete, int flags, long arg,
                            long argSize) {
        try {
            return (int) Downcalls.result((long) SYSCALL6.invokeExact(capture,
                    (long) IoUringConstants.SYS_io_uring_enter, (long) fd, (long) toSubmit, (long) minComplete,
                    (long) flags, arg, argSize), capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }

    /** io_uring_register(fd, opcode, arg, nr_args). Returns the opcode's result or -errno. */
    static int ioUringRegister(MemorySegment capture, int fd, int opcode, long arg, int nrArgs) {
        try {
            return (int) Downcalls.result((long) SYSCALL4.invokeExact(capture,
                    (long) IoUringConstants.SYS_io_uring_register, (long) fd, (long) opcode, arg, (long) nrArgs),
                    capture);
        } catch (Throwable t) {
            throw Downcalls.invocationFailure(t);
        }
    }
}
