package atlas.uring;

import atlas.posix.Errno;
import atlas.posix.NativeCallException;
import atlas.posix.PosixException;

/**
 * A failure of the ring itself, on the control path: {@code io_uring_setup}, mapping its queues,
 * {@code io_uring_register}, or an {@code io_uring_enter} error other than the sentinels {@link IoUring} returns.
 * Reads like {@code io_uring_register(BUFFERS): Cannot allocate memory (ENOMEM) — RLIMIT_MEMLOCK is 8 MiB;
 * registered buffers count against it}: where errno does not name the cause, a hint does.
 * <p>
 * Kept apart from {@link PosixException} (a call on one file or socket failed: fail that request) because the
 * answer differs: without its ring a core cannot do I/O at all, so its caller falls back or stops the core. The
 * event loops catch the two separately. Per-request failures are never thrown: they arrive as a negative
 * {@code res} in the CQE (see {@link Errno}).
 */
public final class IoUringException extends NativeCallException {
    private static final long serialVersionUID = 1L;

    public IoUringException(String operation, String target, int errno, String hint) {
        super(operation, target, errno, hint);
    }

    public IoUringException(String operation, String target, int errno) {
        this(operation, target, errno, null);
    }
}
