package atlas.uring;

import atlas.posix.Errno;
import java.io.IOException;

/**
 * A failed io_uring syscall on the control path (setup, register, a ring-level enter failure): the call, what it
 * was applied to, the errno, and — where the cause is not obvious from errno — a hint naming it. Reads like
 * {@code io_uring_register(BUFFERS): Cannot allocate memory (ENOMEM) — RLIMIT_MEMLOCK is 8 MiB; registered buffers
 * count against it}.
 * <p>
 * Per-request failures are never thrown: they arrive as a negative {@code res} in the CQE (see {@link Errno}).
 */
public final class IoUringException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String operation;

    public IoUringException(String operation, String target, int errno, String hint) {
        super(operation + '(' + target + "): " + Errno.describe(errno) + (hint == null ? "" : " \u2014 " + hint));
        this.errno = errno;
        this.operation = operation;
    }

    public IoUringException(String operation, String target, int errno) {
        this(operation, target, errno, null);
    }

    public int errno() {
        return errno;
    }

    /** {@code io_uring_setup}, {@code io_uring_enter}, {@code io_uring_register} or {@code mmap}. */
    public String operation() {
        return operation;
    }
}
