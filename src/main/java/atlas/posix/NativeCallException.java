package atlas.posix;

import java.io.IOException;

/**
 * A failed native call: the operation, what it was applied to (a path, "fd N", a ring) and the errno it set, with
 * a hint after a dash where errno alone does not name the cause. The message reads like
 * {@code open(/x/volume.dat): Invalid argument (EINVAL)}; it is formatted here and nowhere else.
 * <p>
 * There are two kinds, caught apart because their callers answer them differently (the error tiers of the house
 * style):
 * <ul>
 *   <li>{@link PosixException}: a call on one file, socket or thread failed — the caller fails that one request,
 *       connection or file.</li>
 *   <li>{@code atlas.uring.IoUringException}: the ring itself failed (setup, mapping its queues, registration, a
 *       ring-level {@code io_uring_enter} error) — the core's I/O path never came up or is gone, so the caller
 *       falls back (no registered buffers, the NIO engine) or stops the core loudly.</li>
 * </ul>
 * Neither is thrown for expected outcomes on the data path: those are {@code -errno} results (see {@link Errno}).
 */
public abstract class NativeCallException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String operation;
    private final String target;

    protected NativeCallException(String operation, String target, int errno, String hint) {
        super(operation + '(' + target + "): " + Errno.describe(errno) + (hint == null ? "" : " \u2014 " + hint));
        this.errno = errno;
        this.operation = operation;
        this.target = target;
    }

    public final int errno() {
        return errno;
    }

    /** The call: {@code open}, {@code setsockopt}, {@code io_uring_register}, ... */
    public final String operation() {
        return operation;
    }

    /** What the call was applied to: a path, "fd N", "BUFFERS", ... */
    public final String target() {
        return target;
    }
}
