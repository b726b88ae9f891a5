package atlas.access;

/**
 * Decodes base64url (RFC 4648 §5) from a region of a string into a caller's array, without allocating — what
 * {@code java.util.Base64} cannot do for a substring. Trailing '=' padding is accepted, as nginx accepts it.
 */
final class Base64Url {
    private Base64Url() {
    }

    /**
     * @return true when {@code s[from, to)} is at most {@code maxChars} long and decodes to exactly {@code out.length}
     *         bytes, with no stray bits
     */
    static boolean decode(CharSequence s, int from, int to, int maxChars, byte[] out) {
        if (to - from > maxChars) {
            return false;
        }
        while (to > from && s.charAt(to - 1) == '=') {
            to--;
        }
        int n = 0;
        int bits = 0;
        int bitCount = 0;
        for (int i = from; i < to; i++) {
            int v = sextet(s.charAt(i));
            if (v < 0) {
                return false;
            }
            bits = bits << 6 | v;
            bitCount += 6;
            if (bitCount >= 8) {
                bitCount -= 8;
                if (n == out.length) {
                    return false;
                }
                out[n++] = (byte) (bits >>> bitCount);
                bits &= (1 << bitCount) - 1;
            }
        }
        return n == out.length && bits == 0 && bitCount < 6;
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }
}
