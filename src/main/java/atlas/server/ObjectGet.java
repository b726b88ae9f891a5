package atlas.server;

import atlas.http.MediaTypes;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.ResponseHeadWriter;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;
import atlas.stream.MultipartFraming;


/**
 * HTTP's part of a GET or HEAD of an object: the record, its validators (304, 412), the ranges (206, 416,
 * multipart), the response head — then the body goes to the connection's {@link atlas.stream.ObjectTransmitter},
 * which owns it from there. Stateless: everything it decides is in the head it writes.
 */
final class ObjectGet {
    private static final String SEGMENT_CACHE_CONTROL = "public, max-age=86400";
    private static final String MANIFEST_CACHE_CONTROL = "public, max-age=1";
    private static final String HLS_PLAYLIST = MediaTypes.forName("x.m3u8");
    private static final String DASH_MANIFEST = MediaTypes.forName("x.mpd");

    private ObjectGet() {
    }

    static void respond(HttpConnection c) {
        if (GrowingGet.respond(c)) {
            return; // its upload is still arriving: streamed from what is there
        }
        ObjectRecord record = c.lookupPinned();
        if (record == null) {
            if (SlicedGet.respond(c)) {
                return; // a large object an edge keeps in slices
            }
            if (!c.fillHold().takes(c.head())) { // an edge fetches what it does not hold
                c.respondError(404, HttpConnection.NO_SUCH_OBJECT);
            }
            return;
        }
        UpstreamCopy copy = record.upstreamCopy();
        if (copy != null && c.core().fills != null && !CopyFreshness.serveNow(c, record, copy)) {
            return; // too stale: waits for its revalidation
        }
        RequestHead h = c.head();
        int precondition = Preconditions.evaluateRead(h, record);
        if (precondition == 412) {
            record.unpin();
            c.respondError(412, HttpConnection.PRECONDITION_FAILED);
            return;
        }
        if (precondition == 304) {
            ResponseHeadWriter w = c.beginHead(304).field("ETag", record.etagBytes());
            c.lastModified(record);
            CopyFreshness.fields(w, c, record);
            w.end();
            record.unpin();
            c.sendOut();
            return;
        }
        long length = record.length();
        RangeSet ranges = c.ranges();
        int rangeResult = RangeSet.IGNORE;
        if (c.method() == Method.GET && h.has(Field.RANGE) && Preconditions.ifRangeAllows(h, record)) {
            rangeResult = ranges.parse(h.buffer(), h.valueOffset(Field.RANGE), h.valueLength(Field.RANGE), length);
        }
        if (rangeResult == RangeSet.UNSATISFIABLE) {
            record.unpin();
            StatusAnswers.rangeNotSatisfiable(c, length);
            return;
        }
        boolean ranged = rangeResult == RangeSet.SATISFIABLE;
        boolean multipart = ranged && ranges.count() > 1;
        String contentType = record.contentType();
        long multipartLength = multipart ? MultipartFraming.bodyLength(ranges, contentType, length) : 0;
        if (multipart && multipartLength >= length) {
            // The ranges are disjoint (RangeSet coalesces them), but many small parts of a small object still cost
            // more in part headers than the object itself: serve it whole instead (RFC 9110 §14.2 MAY ignore).
            ranged = false;
            multipart = false;
        }
        ResponseHeadWriter w;
        long bodyLength;
        if (ranged && !multipart) {
            w = c.beginHead(206).field("Content-Type", contentType)
                    .contentRange(ranges.first(0), ranges.last(0), length);
            bodyLength = ranges.last(0) - ranges.first(0) + 1;
        } else if (multipart) {
            w = c.beginHead(206).field("Content-Type", MultipartFraming.CONTENT_TYPE);
            bodyLength = multipartLength;
        } else {
            w = c.beginHead(200).field("Content-Type", contentType);
            bodyLength = length;
        }
        w.field("Content-Length", bodyLength).field("Accept-Ranges", "bytes").field("ETag", record.etagBytes());
        c.lastModified(record);
        CopyFreshness.fields(w, c, record);
        w.end();
        if (c.method() == Method.HEAD || bodyLength == 0) {
            record.unpin();
            c.sendOut();
            return;
        }
        c.transmit(record, ranged ? ranges : null);
    }

    /** Manifests change while a stream is live; segments never do once written. Decided by the stored type. */
    static String cacheControl(String type) {
        return type.equals(HLS_PLAYLIST) || type.equals(DASH_MANIFEST)
                ? MANIFEST_CACHE_CONTROL : SEGMENT_CACHE_CONTROL;
    }
}
