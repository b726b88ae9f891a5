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
        int shared = ifMatchOrUnmodified(h, r);
        if (shared != PROCEED) {
            return shared;
        }
        if (h.has(Field.IF_NONE_MATCH)) {
            return EntityTags.listMatches(h.buffer(), h.valueOffset(Field.IF_NONE_MATCH),
                    h.valueLength(Field.IF_NONE_MATCH), r.etagBytes(), true) ? 304 : PROCEED;
        }
        if (h.has(Field.IF_MODIFIED_SINCE)) {
            long since = HttpDate.parse(h.buffer(), h.valueOffset(Field.IF_MODIFIED_SINCE),
                    h.valueLength(Field.IF_MODIFIED_SINCE));
            if (since >= 0 && r.mtimeMillis() / 1000 <= since) {
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
        int shared = ifMatchOrUnmodified(h, current);
        if (shared != PROCEED) {
            return shared;
        }
        if (h.has(Field.IF_NONE_MATCH) && EntityTags.listMatches(h.buffer(), h.valueOffset(Field.IF_NONE_MATCH),
                h.valueLength(Field.IF_NONE_MATCH), current.etagBytes(), true)) {
            return 412; // includes "If-None-Match: *": create-only uploads
        }
        return PROCEED;
    }

    private static int ifMatchOrUnmodified(RequestHead h, ObjectRecord r) {
        if (h.has(Field.IF_MATCH)) {
            return EntityTags.listMatches(h.buffer(), h.valueOffset(Field.IF_MATCH), h.valueLength(Field.IF_MATCH),
                    r.etagBytes(), false) ? PROCEED : 412;
        }
        if (h.has(Field.IF_UNMODIFIED_SINCE)) {
            long since = HttpDate.parse(h.buffer(), h.valueOffset(Field.IF_UNMODIFIED_SINCE),
                    h.valueLength(Field.IF_UNMODIFIED_SINCE));
            if (since >= 0 && r.mtimeMillis() / 1000 > since) {
                return 412;
            }
        }
        return PROCEED;
    }

    /**
     * If-Range (RFC 9110 §13.1.5): a Range applies only if the validator still matches — a strong entity tag, or
     * a date exactly equal to Last-Modified. Without If-Range, Range always applies.
     */
    static boolean ifRangeAllows(RequestHead h, ObjectRecord r) {
        if (!h.has(Field.IF_RANGE)) {
            return true;
        }
        int off = h.valueOffset(Field.IF_RANGE);
        int len = h.valueLength(Field.IF_RANGE);
        if (EntityTags.looksLikeTag(h.buffer(), off, len)) {
            return EntityTags.listMatches(h.buffer(), off, len, r.etagBytes(), false);
        }
        long date = HttpDate.parse(h.buffer(), off, len);
        return date >= 0 && date == r.mtimeMillis() / 1000;
    }
}
