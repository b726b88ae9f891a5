package atlas.http;

import java.nio.ByteBuffer;

/**
 * The byte ranges of one request (RFC 9110 §14), resolved against the representation's length. Reused per
 * connection; parsing does not allocate.
 * <pre>
 *   Range        = "bytes" "=" range-spec *( OWS "," OWS range-spec )   unit case-insensitive (§14.1)
 *   range-spec   = first "-" [ last ]  |  "-" suffix-length             empty list elements allowed (§5.6.1)
 * </pre>
 * Resolution (§14.1.2): last is clamped to length-1; a suffix longer than the representation selects all of it;
 * a first position at or past the end is unsatisfiable and dropped. Numbers too large for a long saturate, which
 * resolves the same way (a huge first is unsatisfiable, a huge last or suffix is clamped).
 * <p>
 * Overlapping and adjacent ranges are coalesced (§14.2 allows it "regardless of the order" they were asked in), so
 * {@code bytes=0-,0-,…} selects the representation once, not once per repetition: after {@link #parse} the ranges
 * are disjoint and never adjacent, and together select at most the whole representation (§17.15: a request must not
 * make the server send many copies). What remains keeps request order, each coalesced range at the place of its
 * earliest part, as §15.3.7.2 asks of a multipart answer:
 * <pre>
 *   asked     0-99   500-599   50-149   150-159   0-0          (sorted by first, merged, then back in order)
 *   kept      0-159            500-599
 * </pre>
 * A set with more range-specs than the cap is ignored (the whole representation is served): §14.2 lets a server
 * ignore a Range it finds abusive, and the cap bounds this per-connection object and a multipart answer's parts.
 */
public final class RangeSet {
    /** No usable Range header (absent, not "bytes", syntactically invalid, or over the cap): serve 200 in full. */
    public static final int IGNORE = 0;
    /** At least one satisfiable range: serve 206. */
    public static final int SATISFIABLE = 1;
    /** Syntactically valid but no range satisfiable: serve 416 with "Content-Range: bytes *&#47;length". */
    public static final int UNSATISFIABLE = 2;

    private static final long NONE = -1;

    private final int maxRanges;
    private final long[] firsts;
    private final long[] lasts;
    /** Request position of each range while coalescing: the earliest one of its parts once merged. */
    private final int[] order;
    private int count;

    // Scratch results of the element scanner, kept in fields so parsing allocates nothing.
    private long scannedFirst;
    private long scannedLast;
    private long scannedNumber;
    private int scanEnd;

    public RangeSet(int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("maxRanges must be positive: " + maxRanges);
        }
        this.maxRanges = maxRanges;
        this.firsts = new long[maxRanges];
        this.lasts = new long[maxRanges];
        this.order = new int[maxRanges];
    }

    /**
     * Parses the Range value at {@code buf[offset, offset+length)} for a representation of {@code
     * representationLength} bytes. Unsatisfiable ranges in a set that has satisfiable ones are dropped, overlapping
     * and adjacent ones coalesced; more than maxRanges range-specs yields IGNORE. Returns one of the constants above.
     */
    public int parse(ByteBuffer buf, int offset, int length, long representationLength) {
        count = 0;
        int end = offset + length;
        if (length < 6 || !isBytesUnit(buf, offset)) {
            return IGNORE;
        }
        int i = offset + 6;
        int elements = 0;
        while (true) {
            i = skipOws(buf, i, end);
            if (i < end && buf.get(i) != ',') {
                if (!scanElement(buf, i, end) || ++elements > maxRanges) {
                    count = 0;
                    return IGNORE;
                }
                add(representationLength);
                i = skipOws(buf, scanEnd, end);
            }
            if (i == end) {
                break;
            }
            if (buf.get(i) != ',') {
                count = 0;
                return IGNORE;
            }
            i++;
        }
        if (elements == 0) {
            return IGNORE; // "bytes=" or "bytes=, ,": 1#range-spec needs one element
        }
        if (count == 0) {
            return UNSATISFIABLE;
        }
        coalesce();
        return SATISFIABLE;
    }

    public int count() {
        return count;
    }

    /** Sets this to the one range {@code [first, last]} (a sliced response's part of one slice). */
    public void single(long first, long last) {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("range " + first + "-" + last);
        }
        firsts[0] = first;
        lasts[0] = last;
        order[0] = 0;
        count = 1;
    }

    /**
     * The first byte the Range value at {@code buf[offset, offset+length)} asks for in its first element, before the
     * representation's length is known; -1 when that element is a suffix range ({@code -500}, which needs the
     * length) or the value is not a bytes range. Where an edge's miss of a large object starts fetching.
     */
    public static long firstStart(ByteBuffer buf, int offset, int length) {
        int end = offset + length;
        if (length < 6 || !isBytesUnit(buf, offset)) {
            return -1;
        }
        int i = skipOws(buf, offset + 6, end);
        long n = 0;
        int digits = 0;
        while (i < end && buf.get(i) >= '0' && buf.get(i) <= '9' && digits < 18) {
            n = n * 10 + (buf.get(i++) - '0');
            digits++;
        }
        return digits > 0 && i < end && buf.get(i) == '-' ? n : -1;
    }

    /** First byte of range {@code i}. */
    public long first(int i) {
        return firsts[checkIndex(i)];
    }

    /** Last byte (inclusive) of range {@code i}. */
    public long last(int i) {
        return lasts[checkIndex(i)];
    }

    /** Total bytes selected by all ranges: at most the representation's length, since they are disjoint. */
    public long totalLength() {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += lasts[i] - firsts[i] + 1;
        }
        return total;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("range " + i + " of " + count);
        }
        return i;
    }

    /**
     * Merges overlapping and adjacent ranges in place: sort by first byte, merge runs, then restore request order.
     * Insertion sorts, because there are at most maxRanges (16) ranges and nothing may be allocated.
     */
    private void coalesce() {
        if (count == 1) {
            return;
        }
        for (int i = 1; i < count; i++) {
            long first = firsts[i];
            long last = lasts[i];
            int position = order[i];
            int j = i - 1;
            while (j >= 0 && firsts[j] > first) {
                move(j, j + 1);
                j--;
            }
            set(j + 1, first, last, position);
        }
        int kept = 0;
        for (int i = 1; i < count; i++) {
            // Adjacent ranges touch: "0-9,10-19" is one. lasts[kept] < length <= Long.MAX_VALUE: +1 cannot overflow.
            if (firsts[i] <= lasts[kept] + 1) {
                lasts[kept] = Math.max(lasts[kept], lasts[i]);
                order[kept] = Math.min(order[kept], order[i]);
            } else {
                kept++;
                move(i, kept);
            }
        }
        count = kept + 1;
        for (int i = 1; i < count; i++) {
            long first = firsts[i];
            long last = lasts[i];
            int position = order[i];
            int j = i - 1;
            while (j >= 0 && order[j] > position) {
                move(j, j + 1);
                j--;
            }
            set(j + 1, first, last, position);
        }
    }

    private void move(int from, int to) {
        set(to, firsts[from], lasts[from], order[from]);
    }

    private void set(int i, long first, long last, int position) {
        firsts[i] = first;
        lasts[i] = last;
        order[i] = position;
    }

    /** Resolves the scanned element (§14.1.2) and keeps it when satisfiable. */
    private void add(long length) {
        long first;
        long last;
        if (scannedFirst == NONE) { // suffix-range: the final scannedLast bytes
            if (scannedLast == 0 || length <= 0) {
                return;
            }
            first = Math.max(0, length - scannedLast);
            last = length - 1;
        } else {
            if (scannedFirst >= length) {
                return;
            }
            first = scannedFirst;
            last = scannedLast == NONE ? length - 1 : Math.min(scannedLast, length - 1);
        }
        set(count, first, last, count);
        count++;
    }

    /** Scans one range-spec starting at a non-OWS, non-comma byte; sets scanned* and scanEnd. */
    private boolean scanElement(ByteBuffer b, int i, int end) {
        scannedFirst = NONE;
        scannedLast = NONE;
        int digitsEnd = scanNumber(b, i, end);
        if (digitsEnd > i) {
            scannedFirst = scannedNumber;
            i = digitsEnd;
        }
        if (i == end || b.get(i) != '-') {
            return false;
        }
        i++;
        digitsEnd = scanNumber(b, i, end);
        if (digitsEnd > i) {
            scannedLast = scannedNumber;
        } else if (scannedFirst == NONE) {
            return false; // a lone "-"
        }
        if (scannedFirst != NONE && scannedLast != NONE && scannedLast < scannedFirst) {
            return false; // §14.1.1: an int-range with last < first is invalid
        }
        scanEnd = digitsEnd;
        return true;
    }

    /** Scans 1*DIGIT saturating at Long.MAX_VALUE into scannedNumber; returns the index after the digits. */
    private int scanNumber(ByteBuffer b, int i, int end) {
        long value = 0;
        while (i < end) {
            int d = b.get(i) - '0';
            if (d < 0 || d > 9) {
                break;
            }
            value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
            i++;
        }
        scannedNumber = value;
        return i;
    }

    private static boolean isBytesUnit(ByteBuffer b, int o) {
        return (b.get(o) | 0x20) == 'b' && (b.get(o + 1) | 0x20) == 'y' && (b.get(o + 2) | 0x20) == 't'
            && (b.get(o + 3) | 0x20) == 'e' && (b.get(o + 4) | 0x20) == 's' && b.get(o + 5) == '=';
    }

    private static int skipOws(ByteBuffer b, int i, int end) {
        while (i < end && (b.get(i) == ' ' || b.get(i) == '\t')) {
            i++;
        }
        return i;
    }
}
