package atlas.http;

import java.nio.ByteBuffer;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * The byte ranges of one request (RFC 9110 §14), resolved against the representation's length. Reused per
 * connection; parsing does not allocate.
 */
public final class RangeSet {
    /** No usable Range header (absent, not "bytes", syntactically invalid, or over the cap): serve 200 in full. */
    public static final int IGNORE = 0;
    /** At least one satisfiable range: serve 206. */
    public static final int SATISFIABLE = 1;
    /** Syntactically valid but no range satisfiable: serve 416 with "Content-Range: bytes *&#47;length". */
    public static final int UNSATISFIABLE = 2;

    public RangeSet(int maxRanges) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Parses the Range value at {@code buf[offset, offset+length)} for a representation of {@code
     * representationLength} bytes. Unsatisfiable ranges in a set that has satisfiable ones are dropped; more than
     * maxRanges ranges yields IGNORE. Returns one of the constants above.
     */
    public int parse(ByteBuffer buf, int offset, int length, long representationLength) {
        throw new UnsupportedOperationException("stub");
    }

    public int count() { throw new UnsupportedOperationException("stub"); }

    /** First byte of range {@code i}. */
    public long first(int i) { throw new UnsupportedOperationException("stub"); }

    /** Last byte (inclusive) of range {@code i}. */
    public long last(int i) { throw new UnsupportedOperationException("stub"); }
}
