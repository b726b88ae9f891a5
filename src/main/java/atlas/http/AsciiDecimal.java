package atlas.http;

/** Decimal digits of non-negative numbers written into byte arrays, without allocating (access log lines, keys). */
public final class AsciiDecimal {
    private AsciiDecimal() {
    }

    /** Writes {@code value} (non-negative) at {@code dst[at]}; returns the index after its last digit. */
    public static int put(byte[] dst, int at, long value) {
        if (value == 0) {
            dst[at] = '0';
            return at + 1;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        int end = at + digits;
        for (long v = value; v > 0; v /= 10) {
            dst[--end] = (byte) ('0' + (v % 10));
        }
        return at + digits;
    }
}
