package atlas.server;

import atlas.http.HttpDate;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.store.ObjectRecord;

/**
 * Conditional requests (RFC 9110 §13.2.2), evaluated in the RFC's order against the current record.
 * Results: {@link #PROCEED}, 304 or 412.
 */
final class Preconditions {
    static final int PROCEED = 0;

    private Preconditions() {
    }

    /** For GET/HEAD of an existing object. */
    static int evaluateRead(RequestHead h, ObjectRecord r) {
        return evaluateRead(h, r.etagBytes(), r.mtimeMillis() / 1000);
    }

    /**
     * For GET/HEAD of a representation whose validators are {@code etag} (null: none) and {@code modifiedSeconds}
     * (-1: unknown) — a sliced object on an edge, whose validators are its upstream's.
     */
    static int evaluateRead(RequestHead h, byte[] etag, long modifiedSeconds) {
        int shared = ifMatchOrUnmodified(h, etag, modifiedSeconds);
        if (shared != PROCEED) {
            return shared;
        }
        if (h.has(Field.IF_NONE_MATCH)) {
            return matches(h, Field.IF_NONE_MATCH, etag, true) ? 304 : PROCEED;
        }
        if (h.has(Field.IF_MODIFIED_SINCE) && modifiedSeconds >= 0) {
            long since = HttpDate.parse(h.buffer(), h.valueOffset(Field.IF_MODIFIED_SINCE),
                    h.valueLength(Field.IF_MODIFIED_SINCE));
            if (since >= 0 && modifiedSeconds <= since) {
                return 304;
            }
        }
        return PROCEED;
    }

    /** For PUT/POST/DELETE; {@code current} is null when the object does not exist. */
    static int evaluateWrite(RequestHead h, ObjectRecord current) {
        if (current == null) {
            if (h.has(Field.IF_MATCH)) {
                return 412; // If-Match needs a current representation, even for "*"
            }
            return PROCEED;
        }
        int shared = ifMatchOrUnmodified(h, current.etagBytes(), current.mtimeMillis() / 1000);
        if (shared != PROCEED) {
            return shared;
        }
        if (h.has(Field.IF_NONE_MATCH) && matches(h, Field.IF_NONE_MATCH, current.etagBytes(), true)) {
            return 412; // includes "If-None-Match: *": create-only uploads
        }
        return PROCEED;
    }

    private static int ifMatchOrUnmodified(RequestHead h, byte[] etag, long modifiedSeconds) {
        if (h.has(Field.IF_MATCH)) {
            return matches(h, Field.IF_MATCH, etag, false) ? PROCEED : 412;
        }
        if (h.has(Field.IF_UNMODIFIED_SINCE) && modifiedSeconds >= 0) {
            long since = HttpDate.parse(h.buffer(), h.valueOffset(Field.IF_UNMODIFIED_SINCE),
                    h.valueLength(Field.IF_UNMODIFIED_SINCE));
            if (since >= 0 && modifiedSeconds > since) {
                return 412;
            }
        }
        return PROCEED;
    }

    /** The field's entity-tag list matches {@code etag}; without one, only "*" does (the representation exists). */
    private static boolean matches(RequestHead h, Field f, byte[] etag, boolean weak) {
        int off = h.valueOffset(f);
        int len = h.valueLength(f);
        if (etag == null) {
            return h.valueIs(f, "*");
        }
        return EntityTags.listMatches(h.buffer(), off, len, etag, weak);
    }

    /**
     * If-Range (RFC 9110 §13.1.5): a Range applies only if the validator still matches — a strong entity tag, or
     * a date exactly equal to Last-Modified. Without If-Range, Range always applies.
     */
    static boolean ifRangeAllows(RequestHead h, ObjectRecord r) {
        return ifRangeAllows(h, r.etagBytes(), r.mtimeMillis() / 1000);
    }

    /** If-Range against {@code etag} (null: none) and {@code modifiedSeconds} (-1: unknown). */
    static boolean ifRangeAllows(RequestHead h, byte[] etag, long modifiedSeconds) {
        if (!h.has(Field.IF_RANGE)) {
            return true;
        }
        int off = h.valueOffset(Field.IF_RANGE);
        int len = h.valueLength(Field.IF_RANGE);
        if (EntityTags.looksLikeTag(h.buffer(), off, len)) {
            return etag != null && EntityTags.listMatches(h.buffer(), off, len, etag, false);
        }
        long date = HttpDate.parse(h.buffer(), off, len);
        return date >= 0 && date == modifiedSeconds;
    }
}
