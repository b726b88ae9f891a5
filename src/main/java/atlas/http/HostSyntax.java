package atlas.http;

import java.nio.ByteBuffer;

/**
 * Syntax of a Host field value and of an absolute-form target's authority: {@code uri-host [ ":" port ]}
 * (RFC 9110 §7.2, RFC 3986 §3.2.2-§3.2.3). RFC 9112 §3.2 requires 400 for a Host field with an invalid value; a
 * value that only looks like a host ({@code t:80x}, {@code [::1}) would otherwise reach a proxy or log that splits it
 * differently than we do.
 * <pre>
 *   host-value   = "" | uri-host [ ":" port ]       the empty value is for targets without an authority (§3.2)
 *   uri-host     = IP-literal | reg-name            IPv4address is a reg-name by its bytes
 *   IP-literal   = "[" ( IPv6address | IPvFuture ) "]"
 *   reg-name     = 1*( unreserved | pct-encoded | sub-delims )    (empty only without a port, see below)
 *   port         = *DIGIT                           empty allowed (RFC 3986 §3.2.3); at most 65535 here
 * </pre>
 * Decisions beyond the grammar: a port above 65535 names no TCP port and is refused; an empty host with a port
 * ({@code :80}) is refused, since an http URI with an empty host is invalid (RFC 9110 §4.2.1); IPv6 zone identifiers
 * (RFC 6874 {@code %25}) are refused, as browsers never send them in Host. Stateless and allocation-free.
 */
final class HostSyntax {
    private static final int MAX_PORT = 65535;
    /** unreserved / sub-delims (RFC 3986 §2.2-§2.3), indexed by byte value 0-127; '%' is checked apart. */
    private static final boolean[] REG_NAME = new boolean[128];
    /** The tail of IPvFuture: unreserved / sub-delims / ":". */
    private static final boolean[] FUTURE = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[c - 32] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
        System.arraycopy(REG_NAME, 0, FUTURE, 0, 128);
        FUTURE[':'] = true;
    }

    private HostSyntax() {
    }

    /** True when {@code buf[from, to)} is a valid Host field value (see the class comment). */
    static boolean isValidHostField(ByteBuffer buf, int from, int to) {
        return from == to || isValidAuthority(buf, from, to);
    }

    /** True when {@code buf[from, to)} is {@code uri-host [ ":" port ]} with a non-empty host. */
    static boolean isValidAuthority(ByteBuffer buf, int from, int to) {
        int hostEnd;
        if (from < to && buf.get(from) == '[') {
            int close = indexOf(buf, from + 1, to, (byte) ']');
            if (close < 0 || !isIpLiteralContent(buf, from + 1, close)) {
                return false;
            }
            hostEnd = close + 1;
            if (hostEnd < to && buf.get(hostEnd) != ':') {
                return false; // "[::1]x"
            }
        } else {
            hostEnd = from;
            while (hostEnd < to && buf.get(hostEnd) != ':') {
                hostEnd++;
            }
            if (hostEnd == from || !isRegName(buf, from, hostEnd)) {
                return false;
            }
        }
        return hostEnd == to || isPort(buf, hostEnd + 1, to);
    }

    /** {@code *DIGIT} with a value of at most 65535 (leading zeros allowed, as the grammar allows them). */
    private static boolean isPort(ByteBuffer buf, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            int d = buf.get(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            value = value * 10 + d;
            if (value > MAX_PORT) {
                return false; // checked per digit, so a long run of digits cannot overflow
            }
        }
        return true;
    }

    private static boolean isRegName(ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = buf.get(i);
            if (b == '%') {
                if (i + 2 >= to || !isHex(buf.get(i + 1)) || !isHex(buf.get(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (b < 0 || !REG_NAME[b]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpLiteralContent(ByteBuffer buf, int from, int to) {
        if (from < to && (buf.get(from) | 0x20) == 'v') {
            return isIpFuture(buf, from + 1, to);
        }
        return isIpv6(buf, from, to);
    }

    /** IPvFuture after its "v": {@code 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )}. */
    private static boolean isIpFuture(ByteBuffer buf, int from, int to) {
        int i = from;
        while (i < to && isHex(buf.get(i))) {
            i++;
        }
        if (i == from || i == to || buf.get(i) != '.' || i + 1 == to) {
            return false;
        }
        for (int j = i + 1; j < to; j++) {
            byte b = buf.get(j);
            if (b < 0 || !FUTURE[b]) {
                return false;
            }
        }
        return true;
    }

    /**
     * IPv6address (RFC 3986 §3.2.2): eight 16-bit pieces of 1-4 hex digits separated by ':', or fewer with exactly
     * one "::" standing for at least one zero piece; the last two pieces may be written as an IPv4address.
     */
    private static boolean isIpv6(ByteBuffer buf, int from, int to) {
        int pieces = 0;
        boolean elided = false;
        int i = from;
        if (to - from >= 2 && buf.get(from) == ':' && buf.get(from + 1) == ':') {
            elided = true;
            i += 2;
        }
        while (i < to) {
            int digitsEnd = i;
            while (digitsEnd < to && digitsEnd - i < 5 && isHex(buf.get(digitsEnd))) {
                digitsEnd++;
            }
            if (digitsEnd < to && buf.get(digitsEnd) == '.') {
                if (!isIpv4(buf, i, to)) {
                    return false;
                }
                pieces += 2;
                break;
            }
            int digits = digitsEnd - i;
            if (digits == 0 || digits > 4) {
                return false; // ":::", a lone ':' at the start, or a piece too long
            }
            pieces++;
            i = digitsEnd;
            if (i == to) {
                break;
            }
            if (buf.get(i) != ':') {
                return false;
            }
            i++;
            if (i < to && buf.get(i) == ':') {
                if (elided) {
                    return false; // a second "::"
                }
                elided = true;
                i++;
            } else if (i == to) {
                return false; // a trailing single ':'
            }
        }
        return elided ? pieces <= 7 : pieces == 8;
    }

    /** dec-octet "." dec-octet "." dec-octet "." dec-octet, each 0-255 without leading zeros. */
    private static boolean isIpv4(ByteBuffer buf, int from, int to) {
        int octets = 0;
        int i = from;
        while (true) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 4) {
                int d = buf.get(i) - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                value = value * 10 + d;
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || digits > 1 && buf.get(start) == '0') {
                return false;
            }
            octets++;
            if (i == to) {
                return octets == 4;
            }
            if (buf.get(i) != '.' || octets == 4) {
                return false;
            }
            i++;
        }
    }

    private static int indexOf(ByteBuffer buf, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isHex(byte b) {
        int lower = b | 0x20;
        return b >= '0' && b <= '9' || lower >= 'a' && lower <= 'f';
    }
}
