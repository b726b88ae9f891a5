package atlas.server;

import atlas.fill.SliceLayout;
import atlas.hot.GrowingObject;
import atlas.http.HttpDate;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.ResponseHeadWriter;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;

import java.nio.charset.StandardCharsets;

/**
 * HTTP's part of a GET or HEAD of a large object an edge keeps in slices ({@link SliceLayout}): the object itself
 * is not stored under its name, but the slice the request starts in is here (stored, or arriving from its fill).
 * That slice's terms say what the object is — its complete length, the upstream's validators, its Cache-Control —
 * so the head is written from them: 200 with the complete length, or 206 for a range (several ranges are served as
 * the one range spanning them, RFC 9110 §14.2 lets a server coalesce). Conditional requests are evaluated against
 * the upstream's ETag and Last-Modified, which every slice of one version shares and which the response passes on.
 * The body is then the connection's {@link SlicedBody}: slice after slice, each checked to be of that version.
 * <p>
 * A request whose slice is not here returns false: the caller joins that slice's fill ({@link FillHold}). Stateless.
 */
final class SlicedGet {
    private static final int ANSWERED = 1;
    private static final int NOT_HERE = 0;

    private SlicedGet() {
    }

    /** True when it answered from the object's slices; false when the slice the request needs first is not here. */
    static boolean respond(HttpConnection c) {
        if (!c.core().slices.on() || !SliceLayout.sliceable(c.head().pathLength())) {
            return false;
        }
        int first = firstSlice(c);
        // The slice the request starts in says what the object is; failing that the first one does (a range past
        // the end is then a 416, a range elsewhere is served while the driver fills its slices).
        int answered = answerFrom(c, first);
        if (answered == NOT_HERE && first > 0) {
            answered = answerFrom(c, 0);
        }
        return answered == ANSWERED;
    }

    /** Answers from what slice {@code k}'s terms say of the object; NOT_HERE when that slice is neither stored nor arriving. */
    private static int answerFrom(HttpConnection c, int k) {
        HttpCore core = c.core();
        RequestHead h = c.head();
        ObjectKey key = core.sliceKey(h.pathBytes(), h.pathLength(), k);
        UpstreamCopy.Terms terms;
        UpstreamCopy copy = null;
        String contentType;
        ObjectRecord record = core.lookupPinned(key);
        if (record != null) {
            copy = record.upstreamCopy();
            long complete = copy == null ? UpstreamCopy.Terms.WHOLE : copy.terms().completeLength();
            if (complete == UpstreamCopy.Terms.WHOLE
                    || record.length() != core.slices.end(k, complete) - core.slices.start(k)) {
                record.unpin(); // not a slice of this layout (only fills write slice names): as if absent
                return NOT_HERE;
            }
            if (!CopyFreshness.serveNow(c, record, copy)) {
                return ANSWERED; // too stale: waits for its revalidation (unpinned there)
            }
            terms = copy.terms();
            contentType = record.contentType();
            record.unpin(); // the body pins each slice as it sends it
        } else {
            terms = core.fills.storingTerms(key);
            GrowingObject growing = terms == null || core.growingObjects == null ? null : core.growingObjects.find(key);
            if (growing == null || terms.completeLength() == UpstreamCopy.Terms.WHOLE) {
                return NOT_HERE;
            }
            contentType = growing.contentType();
            if (c.cacheOutcome() == CacheOutcome.NONE) {
                c.cacheOutcome(CacheOutcome.FILL); // it came upon a fill in flight: collapsed onto it
            }
        }
        answer(c, terms, copy, contentType);
        return ANSWERED;
    }

    private static void answer(HttpConnection c, UpstreamCopy.Terms terms, UpstreamCopy copy, String contentType) {
        RequestHead h = c.head();
        long length = terms.completeLength();
        // The validators as Preconditions compares them, made only for a conditional request (most are not).
        boolean conditional = h.has(Field.IF_MATCH) || h.has(Field.IF_NONE_MATCH) || h.has(Field.IF_MODIFIED_SINCE)
                || h.has(Field.IF_UNMODIFIED_SINCE) || h.has(Field.IF_RANGE);
        byte[] etag = !conditional || terms.etag() == null
                ? null : terms.etag().getBytes(StandardCharsets.ISO_8859_1);
        long modified = !conditional || terms.lastModified() == null ? -1 : HttpDate.parse(terms.lastModified());
        int precondition = conditional ? Preconditions.evaluateRead(h, etag, modified) : Preconditions.PROCEED;
        if (precondition == 412) {
            c.respondError(412, HttpConnection.PRECONDITION_FAILED);
            return;
        }
        if (precondition == 304) {
            ResponseHeadWriter w = c.beginHead(304);
            validators(w, terms);
            CopyFreshness.fields(w, c, terms, contentType);
            w.end();
            c.sendOut();
            return;
        }
        long from = 0;
        long to = length;
        boolean partial = false;
        if (c.method() == Method.GET && h.has(Field.RANGE) && Preconditions.ifRangeAllows(h, etag, modified)) {
            RangeSet ranges = c.ranges();
            int r = ranges.parse(h.buffer(), h.valueOffset(Field.RANGE), h.valueLength(Field.RANGE), length);
            if (r == RangeSet.UNSATISFIABLE) {
                StatusAnswers.rangeNotSatisfiable(c, length);
                return;
            }
            if (r == RangeSet.SATISFIABLE) {
                partial = true;
                from = ranges.first(0);
                to = ranges.last(ranges.count() - 1) + 1; // coalesced into the one range that spans them
            }
        }
        ResponseHeadWriter w = c.beginHead(partial ? 206 : 200).field("Content-Type", contentType);
        if (partial) {
            w.contentRange(from, to - 1, length);
        }
        w.field("Content-Length", to - from).field("Accept-Ranges", "bytes");
        validators(w, terms);
        CopyFreshness.fields(w, c, terms, contentType);
        w.end();
        if (c.method() == Method.HEAD || to == from) {
            c.sendOut();
            return;
        }
        c.transmitSliced(from, to, terms, copy);
    }

    /** The upstream's validators: the response is its representation, whichever slices it is sent from. */
    private static void validators(ResponseHeadWriter w, UpstreamCopy.Terms terms) {
        if (terms.etag() != null) {
            w.field("ETag", terms.etag());
        }
        if (terms.lastModified() != null) {
            w.field("Last-Modified", terms.lastModified());
        }
    }

    /**
     * The slice a request needs first, before the object's length is known: the one holding its Range's first byte,
     * else (no range, a suffix range) the first. Also where a miss starts fetching ({@link FillHold}).
     */
    static int firstSlice(HttpConnection c) {
        RequestHead h = c.head();
        if (c.method() != Method.GET || !h.has(Field.RANGE) || !SliceLayout.sliceable(h.pathLength())) {
            return 0;
        }
        long first = RangeSet.firstStart(h.buffer(), h.valueOffset(Field.RANGE), h.valueLength(Field.RANGE));
        long slice = first < 0 ? 0 : first / c.core().slices.sliceBytes();
        return slice > Integer.MAX_VALUE ? 0 : (int) slice; // past any object: the first slice says its length
    }
}
