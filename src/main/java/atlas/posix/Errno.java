package atlas.posix;

/**
 * The errno values the kernel hands back, by name, in one place for every package. An io_uring CQE's {@code res}
 * is {@code -errno} on failure, as is {@link Downcalls#result}; on the data path these are expected outcomes (a
 * peer left, a request was cancelled, a timer fired), so they stay ints and are compared against these constants —
 * no exception, no allocation. {@link #describe(int)} names them for logs and errors.
 * <p>
 * Values are x86_64 Linux, {@code asm-generic/errno-base.h} and {@code asm-generic/errno.h}.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ETIME = 62;
    /** Protocol error: what a connection reports to its application when TLS records fail to open. */
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSOCK = 88;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EISCONN = 106;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;

    private Errno() {
    }

    /** The symbolic name, e.g. {@code "ECONNRESET"}; accepts {@code errno} or a negative CQE {@code res}. */
    public static String name(int errnoOrRes) {
        int e = Math.abs(errnoOrRes);
        return switch (e) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOSPC -> "ENOSPC";
            case EPIPE -> "EPIPE";
            case ENOSYS -> "ENOSYS";
            case ETIME -> "ETIME";
            case EPROTO -> "EPROTO";
            case EOVERFLOW -> "EOVERFLOW";
            case ENOTSOCK -> "ENOTSOCK";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EADDRINUSE -> "EADDRINUSE";
            case ECONNABORTED -> "ECONNABORTED";
            case ECONNRESET -> "ECONNRESET";
            case ENOBUFS -> "ENOBUFS";
            case ENOTCONN -> "ENOTCONN";
            case ETIMEDOUT -> "ETIMEDOUT";
            case ECONNREFUSED -> "ECONNREFUSED";
            case EISCONN -> "EISCONN";
            case EALREADY -> "EALREADY";
            case EINPROGRESS -> "EINPROGRESS";
            case ECANCELED -> "ECANCELED";
            default -> Libc.errnoName(e);
        };
    }

    /** {@code "Connection reset by peer (ECONNRESET)"}; accepts {@code errno} or a negative CQE {@code res}. */
    public static String describe(int errnoOrRes) {
        int e = Math.abs(errnoOrRes);
        return Libc.strerror(e) + " (" + name(e) + ')';
    }
}
