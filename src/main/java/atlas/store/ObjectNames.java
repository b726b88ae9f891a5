package atlas.store;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * What an object name may be: a relative URL path of 1..{@value #MAX_LENGTH} UTF-8 bytes, segments separated by
 * single '/', no empty, "." or ".." segment, no leading or trailing '/', no control bytes (0x00-0x1F, 0x7F),
 * no backslash, and not under the reserved prefix "_atlas/".
 */
public final class ObjectNames {
    public static final int MAX_LENGTH = 1024;

    private ObjectNames() {
    }

    /** Null when {@code name[0, length)} is a valid name, else a short reason (for a 400 body or an error line). */
    public static String problem(byte[] name, int length) {
        throw new UnsupportedOperationException("stub");
    }

    /** Throws IllegalArgumentException with the reason when {@code name} is not a valid name. */
    public static String requireValid(String name) {
        throw new UnsupportedOperationException("stub");
    }
}
