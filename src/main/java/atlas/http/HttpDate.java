package atlas.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HTTP-date (RFC 9110 §5.6.7): formats IMF-fixdate, parses IMF-fixdate, RFC 850 and asctime forms.
 * <pre>
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"   29 bytes, the only form we send
 *   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"  obsolete, two-digit year
 *   asctime-date "Sun Nov  6 08:49:37 1994"        obsolete, day padded with SP
 * </pre>
 * Conversion is plain civil-calendar arithmetic (proleptic Gregorian, days since 1970-01-01), so neither
 * direction allocates or consults a time-zone database. Day and month names are case-sensitive (§5.6.7).
 * The day-name is checked to be a valid name but not cross-checked against the date: senders that get it
 * wrong exist and the date fields alone determine the instant.
 */
public final class HttpDate {
    /** Length of an IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
    public static final int LENGTH = 29;

    private static final int RFC850_MIN_LENGTH = 30; // "Monday, 07-Nov-94 08:49:37 GMT"
    private static final int ASCTIME_LENGTH = 24;
    private static final long SECONDS_PER_DAY = 86_400;

    /** Sunday first: 1970-01-01 was a Thursday, index 4. */
    private static final byte[][] DAY_NAMES = ascii("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat");
    private static final byte[][] LONG_DAY_NAMES =
        ascii("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday");
    private static final byte[][] MONTH_NAMES =
        ascii("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

    private HttpDate() {
    }

    /**
     * Writes the IMF-fixdate of {@code epochSecond} into {@code dst[offset, offset+29)}. Does not allocate.
     *
     * @throws IllegalArgumentException when the year is outside 0000-9999 (the format has four year digits)
     */
    public static void format(long epochSecond, byte[] dst, int offset) {
        long days = Math.floorDiv(epochSecond, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(epochSecond, SECONDS_PER_DAY);
        // Civil-from-days over 400-year eras (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"):
        // the year is shifted to start in March so the leap day is the last day of the shifted year.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int shiftedMonth = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
        int month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            throw new IllegalArgumentException("year out of HTTP-date range: " + year);
        }
        int weekday = Math.floorMod(days + 4, 7);

        System.arraycopy(DAY_NAMES[weekday], 0, dst, offset, 3);
        dst[offset + 3] = ',';
        dst[offset + 4] = ' ';
        twoDigits(day, dst, offset + 5);
        dst[offset + 7] = ' ';
        System.arraycopy(MONTH_NAMES[month - 1], 0, dst, offset + 8, 3);
        dst[offset + 11] = ' ';
        twoDigits((int) year / 100, dst, offset + 12);
        twoDigits((int) year % 100, dst, offset + 14);
        dst[offset + 16] = ' ';
        twoDigits(secondOfDay / 3600, dst, offset + 17);
        dst[offset + 19] = ':';
        twoDigits(secondOfDay / 60 % 60, dst, offset + 20);
        dst[offset + 22] = ':';
        twoDigits(secondOfDay % 60, dst, offset + 23);
        dst[offset + 25] = ' ';
        dst[offset + 26] = 'G';
        dst[offset + 27] = 'M';
        dst[offset + 28] = 'T';
    }

    public static String format(long epochSecond) {
        byte[] out = new byte[LENGTH];
        format(epochSecond, out, 0);
        return new String(out, StandardCharsets.US_ASCII);
    }

    /** Epoch second of the date at {@code buf[offset, offset+length)}, or -1 when it is not a valid HTTP-date. */
    public static long parse(ByteBuffer buf, int offset, int length) {
        return parse(buf, offset, length, currentYear());
    }

    public static long parse(String value) {
        return parse(ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)), 0, value.length());
    }

    /** As {@link #parse(ByteBuffer, int, int)} with the current year given, for the RFC 850 two-digit year. */
    static long parse(ByteBuffer buf, int offset, int length, int currentYear) {
        if (offset < 0 || length < 0 || offset + length > buf.capacity()) {
            return -1;
        }
        if (length == LENGTH && buf.get(offset + 3) == ',') {
            return parseImfFixdate(buf, offset);
        }
        if (length == ASCTIME_LENGTH && buf.get(offset + 3) == ' ') {
            return parseAsctime(buf, offset);
        }
        if (length >= RFC850_MIN_LENGTH) {
            return parseRfc850(buf, offset, length, currentYear);
        }
        return -1;
    }

    /** "Sun, 06 Nov 1994 08:49:37 GMT". */
    private static long parseImfFixdate(ByteBuffer b, int o) {
        if (nameIndex(b, o, DAY_NAMES) < 0 || b.get(o + 4) != ' ' || b.get(o + 7) != ' ' || b.get(o + 11) != ' '
            || b.get(o + 16) != ' ' || !isGmt(b, o + 25)) {
            return -1;
        }
        int day = digits(b, o + 5, 2);
        int month = nameIndex(b, o + 8, MONTH_NAMES) + 1;
        int year = digits(b, o + 12, 4);
        return toEpoch(year, month, day, b, o + 17);
    }

    /** "Sunday, 06-Nov-94 08:49:37 GMT": long day-name, then a fixed 23-byte tail. */
    private static long parseRfc850(ByteBuffer b, int o, int length, int currentYear) {
        int nameLength = length - 24; // ", 06-Nov-94 08:49:37 GMT" is 24 bytes
        if (!isLongDayName(b, o, nameLength)) {
            return -1;
        }
        int t = o + nameLength;
        if (b.get(t) != ',' || b.get(t + 1) != ' ' || b.get(t + 4) != '-' || b.get(t + 8) != '-'
            || b.get(t + 11) != ' ' || !isGmt(b, t + 20)) {
            return -1;
        }
        int day = digits(b, t + 2, 2);
        int month = nameIndex(b, t + 5, MONTH_NAMES) + 1;
        int yy = digits(b, t + 9, 2);
        if (yy < 0) {
            return -1;
        }
        return toEpoch(expandTwoDigitYear(yy, currentYear), month, day, b, t + 12);
    }

    /** "Sun Nov  6 08:49:37 1994" (day is SP-padded, or two digits). */
    private static long parseAsctime(ByteBuffer b, int o) {
        if (nameIndex(b, o, DAY_NAMES) < 0 || b.get(o + 7) != ' ' || b.get(o + 10) != ' '
            || b.get(o + 19) != ' ') {
            return -1;
        }
        int month = nameIndex(b, o + 4, MONTH_NAMES) + 1;
        int day = b.get(o + 8) == ' ' ? digits(b, o + 9, 1) : digits(b, o + 8, 2);
        int year = digits(b, o + 20, 4);
        return toEpoch(year, month, day, b, o + 11);
    }

    /**
     * RFC 9110 §5.6.7: a two-digit year that appears more than 50 years in the future is the most recent past
     * year with those digits. We pick the unique year with those digits in (now - 50, now + 50].
     */
    static int expandTwoDigitYear(int yy, int currentYear) {
        int year = currentYear - Math.floorMod(currentYear, 100) + yy;
        if (year > currentYear + 50) {
            year -= 100;
        } else if (year + 100 <= currentYear + 50) {
            year += 100;
        }
        return year;
    }

    /** Validates the fields and the "HH:MM:SS" at {@code time}; returns the epoch second or -1. */
    private static long toEpoch(int year, int month, int day, ByteBuffer b, int time) {
        if (b.get(time + 2) != ':' || b.get(time + 5) != ':') {
            return -1;
        }
        int hour = digits(b, time, 2);
        int minute = digits(b, time + 3, 2);
        int second = digits(b, time + 6, 2);
        if (year < 0 || month < 1 || day < 1 || day > daysInMonth(year, month)
            || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
            return -1; // second 60 is a leap second (§5.6.7 time-of-day); it folds into the next minute
        }
        return daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second;
    }

    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    static int currentYear() {
        long days = Math.floorDiv(System.currentTimeMillis(), SECONDS_PER_DAY * 1000);
        // Good to a day near New Year, which cannot matter for a 50-year window.
        return (int) (1970 + days * 400 / 146_097);
    }

    /** Decimal value of {@code count} digits at {@code at}, or -1 when any is not a digit. */
    private static int digits(ByteBuffer b, int at, int count) {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int d = b.get(at + i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }

    private static int nameIndex(ByteBuffer b, int at, byte[][] names) {
        for (int i = 0; i < names.length; i++) {
            byte[] n = names[i];
            if (b.get(at) == n[0] && b.get(at + 1) == n[1] && b.get(at + 2) == n[2]) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isLongDayName(ByteBuffer b, int at, int length) {
        for (byte[] n : LONG_DAY_NAMES) {
            if (n.length == length && regionEquals(b, at, n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGmt(ByteBuffer b, int at) {
        return b.get(at) == ' ' && b.get(at + 1) == 'G' && b.get(at + 2) == 'M' && b.get(at + 3) == 'T';
    }

    private static boolean regionEquals(ByteBuffer b, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (b.get(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static void twoDigits(int value, byte[] dst, int at) {
        dst[at] = (byte) ('0' + value / 10);
        dst[at + 1] = (byte) ('0' + value % 10);
    }

    private static byte[][] ascii(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = names[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
