package atlas.store;

import java.util.Arrays;
import java.nio.charset.StandardCharsets;

/**
 * What an object name may be: a relative URL path of 1..{@value #MAX_LENGTH} UTF-8 bytes, segments separated by
 * single '/', no empty, "." or ".." segment, no leading or trailing '/', no control bytes (0x00-0x1F, 0x7F),
 * no backslash, and not under the reserved prefix "_atlas/".
 * <p>
 * {@link #problem} runs on the request path, so it walks the bytes once and allocates nothing: reasons are
 * constants. The UTF-8 check is strict (no overlong forms, no surrogates, nothing above U+10FFFF) because a name
 * is also a map key: two spellings of one character must not become two objects.
 */
public final class ObjectNames {
    public static final int MAX_LENGTH = 1024;

    private static final byte[] RESERVED_PREFIX = "_atlas/".getBytes(StandardCharsets.US_ASCII);

    private ObjectNames() {
    }

    /** Null when {@code name[0, length)} is a valid name, else a short reason (for a 400 body or an error line). */
    public static String problem(byte[] name, int length) {
        if (length <= 0) {
            return "empty name";
        }
        if (length > MAX_LENGTH) {
            return "name longer than " + MAX_LENGTH + " bytes";
        }
        if (name[0] == '/') {
            return "name starts with '/'";
        }
        if (name[length - 1] == '/') {
            return "name ends with '/'";
        }
        if (startsWithReserved(name, length)) {
            return "names under '_atlas/' are reserved";
        }
        int segmentStart = 0;
        int i = 0;
        while (i < length) {
            int b = name[i] & 0xFF;
            if (b < 0x80) {
                if (b < 0x20 || b == 0x7F) {
                    return "control character in name";
                }
                if (b == '\\') {
                    return "backslash in name";
                }
                if (b == '/') {
                    String p = segmentProblem(name, segmentStart, i);
                    if (p != null) {
                        return p;
                    }
                    segmentStart = i + 1;
                }
                i++;
            } else {
                int n = utf8SequenceLength(name, i, length);
                if (n < 0) {
                    return "name is not valid UTF-8";
                }
                i += n;
            }
        }
        return segmentProblem(name, segmentStart, length);
    }

    /** Throws IllegalArgumentException with the reason when {@code name} is not a valid name. */
    public static String requireValid(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        String problem = problem(bytes, bytes.length);
        if (problem != null) {
            throw new IllegalArgumentException("bad object name '" + printable(name) + "': " + problem);
        }
        return name;
    }

    private static boolean startsWithReserved(byte[] name, int length) {
        return hasPrefix(name, length, RESERVED_PREFIX);
    }

    /** True when the name {@code name[0, length)} starts with {@code prefix} (no allocation). */
    public static boolean hasPrefix(byte[] name, int length, byte[] prefix) {
        return length >= prefix.length && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static String segmentProblem(byte[] name, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return "empty path segment ('//')";
        }
        if (name[from] == '.' && (n == 1 || (n == 2 && name[from + 1] == '.'))) {
            return "'.' or '..' path segment";
        }
        return null;
    }

    /** Length of the well-formed multi-byte UTF-8 sequence at {@code i}, or -1 (RFC 3629, table 3-7). */
    private static int utf8SequenceLength(byte[] s, int i, int length) {
        int b0 = s[i] & 0xFF;
        int n;
        int min;
        int max;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            return continuation(s, i + 1, length) ? 2 : -1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            // E0 needs A0..BF (no overlong); ED needs 80..9F (no surrogates).
            min = b0 == 0xE0 ? 0xA0 : 0x80;
            max = b0 == 0xED ? 0x9F : 0xBF;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            // F0 needs 90..BF (no overlong); F4 needs 80..8F (nothing above U+10FFFF).
            min = b0 == 0xF0 ? 0x90 : 0x80;
            max = b0 == 0xF4 ? 0x8F : 0xBF;
        } else {
            return -1;
        }
        if (i + n > length) {
            return -1;
        }
        int b1 = s[i + 1] & 0xFF;
        if (b1 < min || b1 > max) {
            return -1;
        }
        for (int k = 2; k < n; k++) {
            if (!continuation(s, i + k, length)) {
                return -1;
            }
        }
        return n;
    }

    private static boolean continuation(byte[] s, int i, int length) {
        return i < length && (s[i] & 0xC0) == 0x80;
    }

    private static String printable(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 80));
        for (int i = 0; i < name.length() && sb.length() < 80; i++) {
            char c = name.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return sb.toString();
    }
}
