package atlas.posix;

/**
 * A failed libc call on one file, socket or thread: the operation, what it was applied to (a path or "fd N") and
 * the errno it set. The message reads like {@code open(/x/volume.dat): Invalid argument (EINVAL)}. Thrown by
 * {@link Downcalls#check}; see {@link NativeCallException} for how it differs from a ring failure.
 */
public final class PosixException extends NativeCallException {
    private static final long serialVersionUID = 1L;

    public PosixException(String operation, String target, int errno) {
        super(operation, target, errno, null);
    }
}
