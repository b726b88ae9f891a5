package atlas.access;

import java.util.Arrays;

/**
 * IP address literals compared by value, without allocating: {@code ::1}, {@code 0:0:0:0:0:0:0:1} and
 * {@code 0000::0001} are one address, and so are {@code 192.0.2.1} and {@code ::ffff:192.0.2.1} (what a dual-stack
 * socket reports for an IPv4 client). Tokens are signed with whatever text the signer typed, and servers print
 * peers differently (Java's {@code getHostAddress} never compresses, nginx's {@code $remote_addr} follows
 * RFC 5952), so a textual comparison alone would refuse a good token.
 *
 * <p>Both forms parse into 16 bytes, IPv4 as its IPv4-mapped IPv6 address. {@link #formatCanonical} writes the
 * text nginx would: dotted quad for IPv4, RFC 5952 for IPv6 — what a secure link's {@code $remote_addr} hashes.
 */
final class IpAddressText {
    static final int ADDRESS_BYTES = 16;
    private static final int GROUPS = 8;

    private IpAddressText() {
    }

    /**
     * Parses {@code s[from, to)} (a zone such as {@code %eth0} is ignored) into {@code out}.
     *
     * @return false when it is not an IPv4 or IPv6 literal
     */
    static boolean parse(byte[] s, int from, int to, byte[] out) {
        for (int i = from; i < to; i++) {
            if (s[i] == '%') {
                to = i;
                break;
            }
        }
        if (indexOf(s, (byte) ':', from, to) < 0) {
            Arrays.fill(out, 0, 10, (byte) 0);
            out[10] = (byte) 0xFF;
            out[11] = (byte) 0xFF;
            return parseIpv4(s, from, to, out, 12);
        }
        return parseIpv6(s, from, to, out);
    }

    private static boolean parseIpv6(byte[] s, int from, int to, byte[] out) {
        int groups = 0;
        int gap = -1;
        int i = from;
        if (to - i >= 2 && s[i] == ':' && s[i + 1] == ':') {
            gap = 0;
            i += 2;
        }
        while (i < to) {
            if (groups == GROUPS) {
                return false;
            }
            int start = i;
            int value = 0;
            while (i < to && i - start < 4 && ByteScratch.hexDigit(s[i]) >= 0) {
                value = value << 4 | ByteScratch.hexDigit(s[i++]);
            }
            if (i < to && s[i] == '.') {
                // An IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
                if (groups > GROUPS - 2 || !parseIpv4(s, start, to, out, 2 * groups)) {
                    return false;
                }
                groups += 2;
                break;
            }
            if (i == start) {
                return false;
            }
            out[2 * groups] = (byte) (value >>> 8);
            out[2 * groups + 1] = (byte) value;
            groups++;
            if (i == to) {
                break;
            }
            if (s[i++] != ':' || i == to) {
                return false; // not a separator, or a trailing single ':'
            }
            if (s[i] == ':') {
                if (gap >= 0) {
                    return false; // a second '::'
                }
                gap = groups;
                i++;
            }
        }
        if (gap < 0) {
            return groups == GROUPS;
        }
        if (groups == GROUPS) {
            return false; // '::' stands for at least one group
        }
        int after = groups - gap;
        System.arraycopy(out, 2 * gap, out, ADDRESS_BYTES - 2 * after, 2 * after);
        Arrays.fill(out, 2 * gap, ADDRESS_BYTES - 2 * after, (byte) 0);
        return true;
    }

    private static boolean parseIpv4(byte[] s, int from, int to, byte[] out, int at) {
        int i = from;
        for (int part = 0; part < 4; part++) {
            int start = i;
            int value = 0;
            while (i < to && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
                value = value * 10 + s[i++] - '0';
            }
            if (i == start || value > 255) {
                return false;
            }
            out[at + part] = (byte) value;
            if (part < 3 && (i == to || s[i++] != '.')) {
                return false;
            }
        }
        return i == to;
    }

    /** Writes the canonical text of {@code address} into {@code out} (at least 45 bytes) and returns its length. */
    static int formatCanonical(byte[] address, byte[] out) {
        int n = 0;
        if (isIpv4Mapped(address)) {
            for (int i = 12; i < ADDRESS_BYTES; i++) {
                n = writeDecimal(address[i] & 0xFF, out, n);
                if (i < ADDRESS_BYTES - 1) {
                    out[n++] = '.';
                }
            }
            return n;
        }
        // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < GROUPS; ) {
            int run = 0;
            while (g + run < GROUPS && group(address, g + run) == 0) {
                run++;
            }
            if (run > bestLength) {
                bestStart = g;
                bestLength = run;
            }
            g += Math.max(run, 1);
        }
        for (int g = 0; g < GROUPS; g++) {
            if (g == bestStart) {
                out[n++] = ':';
                out[n++] = ':';
                g += bestLength - 1;
                continue;
            }
            if (n > 0 && out[n - 1] != ':') {
                out[n++] = ':';
            }
            n = writeHex(group(address, g), out, n);
        }
        return n;
    }

    private static boolean isIpv4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private static int group(byte[] a, int g) {
        return (a[2 * g] & 0xFF) << 8 | a[2 * g + 1] & 0xFF;
    }

    private static int writeHex(int value, byte[] out, int n) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = value >>> shift & 0xF;
            if (started || digit != 0 || shift == 0) {
                out[n++] = (byte) Character.forDigit(digit, 16);
                started = true;
            }
        }
        return n;
    }

    private static int writeDecimal(int value, byte[] out, int n) {
        if (value >= 100) {
            out[n++] = (byte) ('0' + value / 100);
        }
        if (value >= 10) {
            out[n++] = (byte) ('0' + value / 10 % 10);
        }
        out[n++] = (byte) ('0' + value % 10);
        return n;
    }

    private static int indexOf(byte[] b, byte value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
