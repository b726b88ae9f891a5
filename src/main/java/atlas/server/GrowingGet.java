package atlas.server;

import atlas.hot.GrowingObject;
import atlas.hot.GrowingObjects;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.ResponseHeadWriter;

/**
 * HTTP's part of a GET or HEAD of an object whose upload is still arriving (read while ingest, under a live rule):
 * answered at once with what can be said before the upload ends, then streamed by the connection's
 * {@link atlas.stream.GrowingTransmitter}.
 * <ul>
 *   <li>Length declared by the upload (Content-Length): 200 with it, or 206 for one range of it (RFC 9110 §14).
 *   <li>Length unknown (a chunked upload, as ffmpeg's LL-DASH and HLS muxers send): 200 with chunked transfer
 *       coding; a Range is ignored (§14.2 allows it) — a 206 needs the complete length or a last byte that may
 *       never come. HTTP/1.0 has no chunked coding: it is served the committed version, if any.
 *   <li>Conditional requests are answered from the committed version: validators exist only once it is stored.
 * </ul>
 * No ETag or Last-Modified: they name a stored version, and this one is not stored yet. Stateless.
 */
final class GrowingGet {
    private GrowingGet() {
    }

    /** True when it answered the request from an upload still arriving; false to serve it from the index. */
    static boolean respond(HttpConnection c) {
        HttpCore core = c.core();
        GrowingObjects growing = core.growingObjects;
        if (growing == null) {
            return false;
        }
        RequestHead h = c.head();
        if (h.has(Field.IF_NONE_MATCH) || h.has(Field.IF_MATCH) || h.has(Field.IF_MODIFIED_SINCE)
                || h.has(Field.IF_UNMODIFIED_SINCE) || h.has(Field.IF_RANGE)) {
            return false;
        }
        GrowingObject object = growing.find(core.probe.wrap(h.pathBytes(), h.pathLength()));
        if (object == null) {
            return false;
        }
        if (core.fills != null && c.cacheOutcome() != CacheOutcome.MISS && core.fills.notKept(object.key())) {
            return false; // a no-store fill is its starter's alone: this request waits and asks the upstream itself
        }
        long length = object.declaredLength();
        if (length < 0 && c.versionMinor() == 0) {
            return false;
        }
        int me = core.coreIndex();
        if (!object.pin(me)) {
            return false; // reclaimed under us: the committed version (or none) is the answer
        }
        if (object.state() != GrowingObject.GROWING) {
            object.unpin(me); // committed (or failed) since it was found: the index has the answer
            return false;
        }
        long from = 0;
        long to = length;
        ResponseHeadWriter w;
        if (length >= 0 && c.method() == Method.GET && h.has(Field.RANGE)) {
            RangeSet ranges = c.ranges();
            int r = ranges.parse(h.buffer(), h.valueOffset(Field.RANGE), h.valueLength(Field.RANGE), length);
            if (r == RangeSet.UNSATISFIABLE) {
                object.unpin(me);
                StatusAnswers.rangeNotSatisfiable(c, length);
                return true;
            }
            if (r == RangeSet.SATISFIABLE && ranges.count() == 1) {
                from = ranges.first(0);
                to = ranges.last(0) + 1;
            }
        }
        boolean partial = from != 0 || (length >= 0 && to != length);
        w = c.beginHead(partial ? 206 : 200).field("Content-Type", object.contentType());
        if (partial) {
            w.contentRange(from, to - 1, length);
        }
        if (length >= 0) {
            w.field("Content-Length", to - from);
        } else {
            w.field("Transfer-Encoding", "chunked");
        }
        w.field("Accept-Ranges", "bytes").field("Cache-Control", ObjectGet.cacheControl(object.contentType()));
        if (c.cacheOutcome() == CacheOutcome.NONE && core.fills != null && core.fills.fetching(object.key())) {
            c.cacheOutcome(CacheOutcome.FILL); // it came upon a fill in flight: collapsed onto it
        }
        CopyFreshness.status(w, c, 0); // a fill streamed to its waiters says so
        w.end();
        if (c.method() == Method.HEAD || to == from) {
            object.unpin(me);
            c.sendOut();
            return true;
        }
        c.transmitGrowing(object, from, to, length < 0);
        return true;
    }
}
