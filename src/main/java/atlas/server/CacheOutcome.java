package atlas.server;

import java.nio.charset.StandardCharsets;

/**
 * What an edge's cache did for one request, for the access log's cache field and the {@code Cache-Status} response
 * field (RFC 9211). NONE on a node that is not an edge, and for requests that are not reads of an object.
 */
enum CacheOutcome {
    NONE("-", null),
    /** A fresh copy. */
    HIT("hit", "atlas; hit; ttl="),
    /** Not here: this request started the fill, and is streamed it as it arrives. */
    MISS("miss", "atlas; fwd=uri-miss; stored"),
    /** Not here: joined a fill already in flight (collapsed onto it). */
    FILL("fill", "atlas; fwd=uri-miss; collapsed; stored"),
    /** A stale copy, served while one revalidation runs (stale-while-revalidate). */
    STALE("stale", "atlas; hit; detail=stale-while-revalidate; ttl="),
    /** A stale copy, served because the upstream failed (stale-if-error). */
    STALE_ON_ERROR("stale", "atlas; fwd=stale; detail=stale-if-error; ttl="),
    /** A stale copy the upstream confirmed (304) before it was served. */
    REVALIDATED("revalidated", "atlas; fwd=stale; fwd-status=304; ttl="),
    /** The upstream said not long ago that it has no such object: 404 without asking again. */
    NEGATIVE("negative", "atlas; hit; detail=negative");

    /** The access log's field, with its leading space. */
    final byte[] logField;
    /** Cache-Status, up to its ttl when it ends with "ttl=" (a copy's seconds of freshness follow). */
    final String status;

    CacheOutcome(String log, String status) {
        this.logField = (" " + log).getBytes(StandardCharsets.US_ASCII);
        this.status = status;
    }

    /** The metric's result label: the access log's word. */
    String metricLabel() {
        return new String(logField, 1, logField.length - 1, StandardCharsets.US_ASCII);
    }

    boolean takesTtl() {
        return status != null && status.endsWith("ttl=");
    }
}
