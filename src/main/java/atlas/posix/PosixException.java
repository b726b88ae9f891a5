package atlas.posix;

import java.io.IOException;

/**
 * A failed libc call: the operation, what it was applied to (a path or "fd N") and the errno it set.
 * The message reads like {@code open(/x/volume.dat): Invalid argument (EINVAL)}.
 */
public final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String operation;
    private final String target;

    public PosixException(String operation, String target, int errno) {
        super(operation + '(' + target + "): " + Libc.strerror(errno) + " (" + Libc.errnoName(errno) + ')');
        this.errno = errno;
        this.operation = operation;
        this.target = target;
    }

    public int errno() {
        return errno;
    }

    public String operation() {
        return operation;
    }

    /** The path or "fd N" the operation was applied to. */
    public String target() {
        return target;
    }
}
