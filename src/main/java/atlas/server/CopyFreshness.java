package atlas.server;

import atlas.fill.FillRegistry;
import atlas.http.ResponseHeadWriter;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;

/**
 * An edge's decision on a read of an upstream copy (RFC 9111 §4): fresh — served; stale but within its
 * stale-while-revalidate — served while one revalidation runs in the background; staler — the request waits for
 * the revalidation ({@link FillHold}). And the fields that tell the client about it: the upstream's
 * {@code Cache-Control}, {@code Age} (§5.1) and {@code Cache-Status} (RFC 9211).
 * <p>
 * Requests' own {@code Cache-Control: no-cache} or {@code max-age=0} are not honoured: one client's reload would
 * otherwise make the edge ask the origin each time, and the origin's terms already say how fresh a copy must be —
 * as shared caches (CDNs) do. Stateless; the core's thread.
 */
final class CopyFreshness {
    private CopyFreshness() {
    }

    /**
     * True to serve {@code record} now (its outcome set on the connection); false when the request now waits for the
     * copy's revalidation — then {@code record} was unpinned.
     */
    static boolean serveNow(HttpConnection c, ObjectRecord record, UpstreamCopy copy) {
        copy.touch();
        FillHold hold = c.fillHold();
        if (hold.wentUpstream()) {
            return true; // just fetched, confirmed, or the upstream failed and the copy may stand in: serve it
        }
        long now = c.core().clock().epochMillis(); // the turn's clock: no clock read per request
        UpstreamCopy.Terms terms = copy.terms();
        if (terms.fresh(now)) {
            c.cacheOutcome(CacheOutcome.HIT);
            return true;
        }
        FillRegistry fills = c.core().fills;
        if (terms.staleWhileRevalidating(now)) {
            fills.revalidateInBackground(copy);
            c.cacheOutcome(CacheOutcome.STALE);
            return true;
        }
        record.unpin();
        hold.revalidates(copy);
        return false;
    }

    /** Cache-Control (the upstream's for a copy, ours otherwise), and on an edge Age and Cache-Status. */
    static void fields(ResponseHeadWriter w, HttpConnection c, ObjectRecord record) {
        UpstreamCopy copy = record.upstreamCopy();
        fields(w, c, copy == null ? null : copy.terms(), record.contentType());
    }

    /** The same for a representation under {@code terms} (null: origin content) of {@code contentType}. */
    static void fields(ResponseHeadWriter w, HttpConnection c, UpstreamCopy.Terms terms, String contentType) {
        w.field("Cache-Control", terms != null && terms.cacheControl() != null ? terms.cacheControl()
                : ObjectGet.cacheControl(contentType));
        if (terms != null) {
            long now = c.core().clock().epochMillis();
            w.field("Age", terms.ageSeconds(now));
            status(w, c, terms.ttlSeconds(now));
        } else {
            status(w, c, 0);
        }
    }

    /** Cache-Status for what the edge did, when it did something ({@code ttl}: the copy's seconds of freshness). */
    static void status(ResponseHeadWriter w, HttpConnection c, long ttl) {
        CacheOutcome outcome = c.cacheOutcome();
        if (outcome.status == null) {
            return;
        }
        if (outcome.takesTtl()) {
            w.field("Cache-Status", outcome.status, ttl);
        } else {
            w.field("Cache-Status", outcome.status);
        }
    }
}
