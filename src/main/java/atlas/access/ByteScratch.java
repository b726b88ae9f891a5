package atlas.access;

import java.util.Arrays;

/**
 * A reusable byte buffer that one verifier writes request text into — a token after percent-decoding, a path as
 * UTF-8 — so the MAC and the matchers run over bytes without a {@code String} or {@code byte[]} per request.
 * It grows only when a request is larger than any before it (paths; tokens are bounded before they get here).
 */
final class ByteScratch {
    private byte[] bytes;
    private int length;

    ByteScratch(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    byte[] array() {
        return bytes;
    }

    int length() {
        return length;
    }

    ByteScratch clear() {
        length = 0;
        return this;
    }

    void append(byte b) {
        ensure(1);
        bytes[length++] = b;
    }

    void append(byte[] src) {
        ensure(src.length);
        System.arraycopy(src, 0, bytes, length, src.length);
        length += src.length;
    }

    /** Appends {@code s[from, to)} as UTF-8 (a lone surrogate becomes '?', as {@code String.getBytes} does). */
    void appendUtf8(CharSequence s, int from, int to) {
        ensure(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                ensure(1);
                bytes[length++] = (byte) c;
            } else {
                i = appendNonAscii(s, i, to, c);
            }
        }
    }

    /**
     * Appends {@code s[from, to)} percent-decoded ({@code %41} becomes {@code A}; '+' stays '+', as in a path).
     *
     * @return false when a '%' is not followed by two hex digits: the text is malformed and must not be trusted
     */
    boolean appendPercentDecoded(CharSequence s, int from, int to) {
        ensure(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int value = i + 2 < to ? hexPair(s.charAt(i + 1), s.charAt(i + 2)) : -1;
                if (value < 0) {
                    return false;
                }
                bytes[length++] = (byte) value;
                i += 2;
            } else if (c < 0x80) {
                bytes[length++] = (byte) c;
            } else {
                i = appendNonAscii(s, i, to, c);
            }
        }
        return true;
    }

    /** True when the content equals {@code s} (ASCII text such as an address). */
    boolean contentEqualsAscii(int from, int to, CharSequence s) {
        if (s == null || to - from != s.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (bytes[i] != s.charAt(i - from)) {
                return false;
            }
        }
        return true;
    }

    /** Two hex digits as a byte value 0-255, or -1. */
    static int hexPair(int high, int low) {
        int h = hexDigit(high);
        int l = hexDigit(low);
        return h < 0 || l < 0 ? -1 : h << 4 | l;
    }

    static int hexDigit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private int appendNonAscii(CharSequence s, int i, int to, char c) {
        ensure(4);
        if (c < 0x800) {
            bytes[length++] = (byte) (0xC0 | c >> 6);
            bytes[length++] = (byte) (0x80 | c & 0x3F);
            return i;
        }
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            bytes[length++] = (byte) (0xF0 | cp >> 18);
            bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3F);
            bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3F);
            bytes[length++] = (byte) (0x80 | cp & 0x3F);
            return i + 1;
        }
        if (Character.isSurrogate(c)) {
            bytes[length++] = '?';
            return i;
        }
        bytes[length++] = (byte) (0xE0 | c >> 12);
        bytes[length++] = (byte) (0x80 | c >> 6 & 0x3F);
        bytes[length++] = (byte) (0x80 | c & 0x3F);
        return i;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
